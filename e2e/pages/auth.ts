import { expect, type Page } from '@playwright/test';

/** Demo users seeded in simulation mode (see README). */
export const DEMO_PASSWORD = 'cashflow-demo';

/** The sign-in page. */
export class SignInPage {
  constructor(private readonly page: Page) {}

  async open(path = '/login') {
    await this.page.goto(path);
  }

  async signIn(username: string, password = DEMO_PASSWORD) {
    await this.page.getByLabel('Username').fill(username);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  error() {
    return this.page.getByRole('alert');
  }
}

/** Signs in and waits for the dashboard. */
export async function signInAs(page: Page, username: string) {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn(username);
  await expect(page).toHaveURL(/\/cash-flow/);
  await expect(page.getByRole('heading', { name: 'Cash flow' })).toBeVisible();
}

/** Passes once the page is hydrated: the privacy toggle only responds after hydration. */
export async function expectHydrated(page: Page) {
  const toggle = page.getByRole('button', { name: /amounts/ });
  await expect(async () => {
    if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
    await expect(toggle).toHaveAttribute('aria-pressed', 'true', { timeout: 500 });
  }).toPass({ timeout: 20_000 });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
}
