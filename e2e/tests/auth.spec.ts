import { expect, test } from '../fixtures';
import { expectHydrated, SignInPage, signInAs } from '../pages/auth';
import { expectAccessible } from '../pages/axe';

test('the sign-in page has no serious accessibility violations, with or without an error', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await expectAccessible(page);
  await signIn.signIn('trader', 'not-the-password');
  await expect(signIn.error()).toBeVisible();
  await expectAccessible(page);
});

test('the demo trader signs in and lands on a hydrated /cash-flow', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || /hydrat/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await signInAs(page, 'trader');
  await expect(page.getByText('trader', { exact: true })).toBeVisible();
  await expectHydrated(page);
  // A full page load (a reload, a bookmark, a bank's redirect) hydrates just the same.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Cash flow' })).toBeVisible();
  await expectHydrated(page);
  await expect(page.getByRole('region', { name: 'Summary' }).getByRole('button', { name: 'Connect Bank' })).toBeEnabled();
  expect(problems, 'no hydration warnings or script errors').toEqual([]);
});

test('a wrong password is refused with one generic message', async ({ page }) => {
  const signIn = new SignInPage(page);
  await signIn.open();
  await signIn.signIn('trader', 'not-the-password');
  await expect(signIn.error()).toHaveText('Wrong username or password.');
  await expect(page).toHaveURL(/\/login/);
  // An unknown user gets exactly the same answer.
  await signIn.open();
  await signIn.signIn('nobody-here', 'not-the-password');
  await expect(signIn.error()).toHaveText('Wrong username or password.');
});

test('opening /cash-flow signed out goes to sign-in and comes back after', async ({ page }) => {
  await page.goto('/cash-flow');
  await expect(page).toHaveURL(/\/login\?next=%2Fcash-flow|\/login\?next=\/cash-flow/);
  await new SignInPage(page).signIn('trader');
  await expect(page).toHaveURL(/\/cash-flow$/);
});

test('signing out ends the session on the server', async ({ page }) => {
  await signInAs(page, 'viewer');
  await expectHydrated(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/cash-flow');
  await expect(page).toHaveURL(/\/login/);
  const me = await page.request.post('/api/auth/me');
  expect(await me.json()).toBeNull();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the sign-in form still works as a plain form post', async ({ page }) => {
    await signInAs(page, 'admin');
  });

  test('a wrong password as a plain form post comes back to the form with the message', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.open('/login?next=/cash-flow');
    await signIn.signIn('viewer', 'not-the-password');
    await expect(page).toHaveURL(/\/login\?error=invalid_credentials&next=%2Fcash-flow|\/login\?error=invalid_credentials&next=\/cash-flow/);
    await expect(signIn.error()).toHaveText('Wrong username or password.');
  });
});
