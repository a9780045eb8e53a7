import { expect, test } from '../fixtures';
import { signInAs } from '../pages/auth';
import { Dashboard, simControl } from '../pages/dashboard';

// An Item over its life, through the UI: every error update mode fixes, the same error
// again after a repair, new accounts, revocation, and several currencies. (As admin: the
// trader's banks belong to banking.spec.ts.)
test.describe.serial('a bank over its lifetime', () => {
  test('a locked account and a second login request each offer re-authentication', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await dashboard.connect('Capybara One');
    const bank = dashboard.bank('Capybara One');
    await expect(bank.getByText('Connected')).toBeVisible();
    const itemId = await bank.getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();

    await simControl(page, `/items/${itemId}/error`, { code: 'ITEM_LOCKED' });
    await expect(bank.getByText('Locked at the bank')).toBeVisible();
    await expect(bank.getByTestId('status-message')).toContainText('locked');
    await bank.getByRole('button', { name: 'Re-authenticate' }).click();
    await dashboard.submitCredentials();
    await expect(dashboard.linkDialog()).toBeHidden();
    await expect(bank.getByText('Connected')).toBeVisible();

    // Broken, repaired at the bank, broken again: the identical second webhook still counts.
    for (let round = 0; round < 2; round++) {
      await simControl(page, `/items/${itemId}/login-required`);
      await expect(bank.getByText('Needs re-authentication')).toBeVisible();
      await simControl(page, `/items/${itemId}/repair`);
      await expect(bank.getByText('Connected')).toBeVisible();
    }
  });

  test('new accounts at the bank are added through Add accounts', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Capybara One');
    const itemId = await bank.getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    await simControl(page, `/items/${itemId}/new-accounts`);
    await expect(bank.getByText('New accounts available')).toBeVisible();
    await bank.getByRole('button', { name: 'Add accounts' }).click();
    await dashboard.submitCredentials();
    const dialog = dashboard.linkDialog();
    const fresh = dialog.getByLabel(/Premier Savings/);
    await expect(fresh).not.toBeChecked();
    await fresh.check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect(dialog).toBeHidden();
    await expect(dashboard.balance('Capybara One', 'Premier Savings')).toBeVisible();
    await expect(bank.getByText('Connected')).toBeVisible();
    await expect(bank.getByRole('button', { name: 'Add accounts' })).toHaveCount(0);
  });

  test('revoked access says so, can be removed, and the bank can be linked again', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    const bank = dashboard.bank('Capybara One');
    const itemId = await bank.getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    await simControl(page, `/items/${itemId}/revoke`);
    await expect(bank.getByText('Access revoked')).toBeVisible();
    await expect(bank.getByTestId('status-message')).toContainText('revoked');
    await expect(bank.getByRole('button', { name: 'Re-authenticate' })).toHaveCount(0);
    await expect(bank.getByRole('button', { name: 'Refresh' })).toHaveCount(0);
    // Linking the same bank again is not refused as a duplicate.
    await dashboard.connect('Capybara One');
    await expect(page.getByText('Capybara One connected: 2 account(s) added.')).toBeVisible();
    await expect(page.getByRole('article', { name: 'Capybara One' })).toHaveCount(2);
    await bank.first().getByRole('button', { name: 'Remove' }).click();
    await bank.first().getByRole('button', { name: 'Yes, remove' }).click();
    await expect(page.getByRole('article', { name: 'Capybara One' })).toHaveCount(1);
    await expect(dashboard.bank('Capybara One').getByText('Connected')).toBeVisible();
  });

  test('an OAuth return in a browser without the session explains and cleans the address', async ({ page }) => {
    await signInAs(page, 'admin');
    await page.goto('/cash-flow?oauth_state_id=from-another-browser');
    const summary = page.getByRole('region', { name: 'Summary' });
    await expect(summary.getByRole('alert')).toContainText('this browser has no record of the connection');
    await expect(page).toHaveURL(/\/cash-flow$/);
    await expect(summary.getByRole('button', { name: 'Connect Bank' })).toBeEnabled();
  });

  test('balances in two currencies are totalled and charted per currency', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await dashboard.connect('Maple Leaf Bank');
    await expect(dashboard.balance('Maple Leaf Bank', 'Maple Chequing')).toHaveText(/ CAD$/);
    const total = page.getByTestId('total-cash');
    await expect(total.locator('[data-currency="CAD"]')).toHaveText(/ CAD$/);
    await expect(total.locator('[data-currency="USD"]')).toHaveText(/^\$/);
    await expect(page.locator('figure.chart[data-currency="CAD"]')).toBeVisible();
    await expect(page.locator('figure.chart[data-currency="USD"]')).toBeVisible();
  });

  test('a brokerage shows its cash apart from its positions, and a trade shows up live', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await dashboard.connect('Otter Brokerage');
    const itemId = await dashboard.bank('Otter Brokerage').getAttribute('data-item-id');
    await expect(page.locator('[data-live="true"]')).toBeVisible();
    const investments = page.getByRole('region', { name: 'Investments' });
    const account = investments.getByLabel('Otter Brokerage ••8080');
    await expect(account.getByTestId('investment-total')).toHaveText('$25,000.00');
    await expect(account.getByTestId('brokerage-cash')).toHaveText('$1,940.00');
    const positions = investments.getByRole('table', { name: 'Positions of Otter Brokerage ••8080' });
    await expect(positions.getByRole('row')).toHaveCount(4);
    await expect(positions.getByRole('row').nth(1)).toContainText('VTI');
    await expect(positions.getByRole('row', { name: /AAPL/ })).toContainText('$1,600.00');
    const activity = investments.getByRole('table', { name: 'Recent investment activity' });
    await expect(activity.getByRole('row', { name: /VTI DIVIDEND/ })).toContainText('+$35.20');
    await simControl(page, `/items/${itemId}/trade`);
    await expect(account.getByTestId('brokerage-cash')).toHaveText('$990.00');
    await expect(positions.getByRole('row', { name: /AAPL/ })).toContainText('45');
    await expect(activity.getByRole('row', { name: /BUY 5 AAPL/ })).toBeVisible();
  });

  test('a Link token that expired while the page was open is replaced on click', async ({ page }) => {
    await signInAs(page, 'admin');
    const dashboard = new Dashboard(page);
    await expect(dashboard.connectButton()).toBeEnabled();
    const expired = await simControl(page, '/link-tokens/expire');
    expect(expired.expired).toBeGreaterThan(0);
    // Link opens on the first click, with a fresh token: no error, no second click.
    await dashboard.connectButton().click();
    await expect(dashboard.linkDialog()).toBeVisible();
    await expect(dashboard.linkDialog().getByRole('alert')).toHaveCount(0);
    await dashboard.linkDialog().getByRole('button', { name: 'Close' }).click();
    await expect(dashboard.linkDialog()).toBeHidden();
  });
});
