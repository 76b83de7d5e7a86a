// Preloaded into Electronegativity's CLI (scripts/electronegativity.mjs): it writes its CSV report's
// header and its rows with two fs.writeFile calls that it does not wait for, so the header's write
// (which truncates) can land over the rows. Writing synchronously keeps them in order. (The default
// export is the object the checker's require('fs') returns.)
import fs from 'node:fs'

fs.writeFile = (file, data, options, callback) => {
  if (typeof options === 'function') [options, callback] = [undefined, options]
  try {
    fs.writeFileSync(file, data, options)
  } catch (err) {
    return callback?.(err)
  }
  callback?.(null)
}
