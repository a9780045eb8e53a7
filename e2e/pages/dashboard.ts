import { expect, type Page } from '@playwright/test';

/** The /cash-flow dashboard and the simulated Plaid Link modal it opens. */
export class Dashboard {
  constructor(private readonly page: Page) {}

  connectButton() {
    return this.page.getByRole('region', { name: 'Summary' }).getByRole('button', { name: 'Connect Bank' });
  }

  bank(name: string) {
    return this.page.getByRole('article', { name });
  }

  linkDialog() {
    return this.page.getByRole('dialog');
  }

  /** Completes the simulated Link: bank, credentials, accounts. */
  async completeLink(bank: string, password = 'pass_good') {
    const dialog = this.linkDialog();
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: bank }).click();
    await this.submitCredentials(password);
    if (password === 'pass_good') {
      await dialog.getByRole('button', { name: 'Continue' }).click();
      await expect(dialog).toBeHidden();
    }
  }

  async submitCredentials(password = 'pass_good') {
    const dialog = this.linkDialog();
    await dialog.getByLabel('Username').fill('user_good');
    await dialog.getByLabel('Password').fill(password);
    await dialog.getByRole('button', { name: 'Submit' }).click();
  }

  async connect(bank: string) {
    await expect(this.connectButton()).toBeEnabled();
    await this.connectButton().click();
    await this.completeLink(bank);
  }

  /** The current balance shown for an account of a bank. */
  balance(bank: string, account: string) {
    return this.bank(bank).getByLabel(`${account} balance`);
  }
}

/** Calls the simulator's control API (simulation mode only). */
export async function simControl(page: Page, path: string, body: object = {}) {
  const response = await page.request.post(`/sim/control${path}`, { data: body });
  expect(response.ok()).toBeTruthy();
  return response.json();
}
