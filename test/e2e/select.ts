import type { Page } from '@playwright/test'

/**
 * Picks an option of a Naive UI select. Its menu is a virtual list that renders only the rows in view, so a
 * filterable select gets the option's text typed first: an option below the fold is then in view.
 */
export async function choose(page: Page, select: string, option: string): Promise<void> {
  const field = page.getByTestId(select)
  await field.click()
  if ((await field.locator('input').count()) > 0) await page.keyboard.type(option)
  await page.locator('.n-base-select-option', { hasText: option }).click()
}
