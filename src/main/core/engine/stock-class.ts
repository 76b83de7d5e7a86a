import type * as tf from '@tensorflow/tfjs'

/** The class behind a stock layer factory (tfjs-layers does not export the classes themselves). */
export function stockClass<A, L extends tf.layers.Layer>(make: (args: A) => L, args: NoInfer<A>) {
  return make(args).constructor as (new (args: A) => L) &
    Pick<typeof tf.serialization.Serializable, 'fromConfig'> & { className: string }
}
