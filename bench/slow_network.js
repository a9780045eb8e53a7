// Measures the release bundle's /cash-flow (a trader with a linked bank) on a throttled network (Chrome DevTools' "Fast 3G":
// 562.5 ms RTT, 180 KB/s down, 84 KB/s up) against the same page unthrottled, run alongside:
// bytes of wasm + JS transferred (Accept-Encoding: br, gzip), first balance painted, and
// Connect Bank opening Link (the page hydrated). Run by bench/slow_network.sh.
const { chromium } = require('@playwright/test');

const BASE = process.env.BASE_URL;
const FAST_3G = { offline: false, latency: 562.5, downloadThroughput: 180 * 1024, uploadThroughput: 84.375 * 1024 };

async function signedInContext(browser) {
  const context = await browser.newContext();
  const response = await context.request.post(`${BASE}/api/auth/login`, {
    form: { username: 'trader', password: 'cashflow-demo' },
  });
  if (!response.ok()) throw new Error(`sign-in failed: ${response.status()}`);
  return context;
}

/** Links a simulated bank (Houndstooth: checking, savings and a credit card with their history) as the widget would. */
async function linkBank(browser) {
  const context = await signedInContext(browser);
  const token = await (await context.request.post(`${BASE}/api/v1/banking/plaid/create-link-token`, { data: {} })).json();
  const done = await (await context.request.post(`${BASE}/sim/link/complete`, {
    data: { link_token: token.link_token, institution_id: 'ins_109510', username: 'user_good', password: 'pass_good' },
  })).json();
  const linked = await context.request.post(`${BASE}/api/v1/banking/plaid/exchange-public-token`, {
    data: { public_token: done.public_token, metadata: done.metadata },
  });
  if (!linked.ok()) throw new Error(`linking failed: ${linked.status()} ${await linked.text()}`);
  // Let the first sync land, so the page shows the bank's transactions and charts.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await context.close();
}

async function measure(browser, throttled) {
  const context = await signedInContext(browser);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  if (throttled) await cdp.send('Network.emulateNetworkConditions', FAST_3G);
  const urls = new Map();
  let assetBytes = 0;
  cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
  cdp.on('Network.loadingFinished', (e) => {
    const url = urls.get(e.requestId) || '';
    if (/\/pkg\/.*\.(wasm|js)$/.test(url)) assetBytes += e.encodedDataLength;
  });
  // When Link's dialog appears, timed in the page (ms since navigation start), so the figure
  // does not depend on how often Playwright polls.
  await page.addInitScript(() => {
    new MutationObserver(() => {
      if (window.__linkOpenAt === undefined && document.querySelector('[role="dialog"]')) {
        window.__linkOpenAt = performance.now();
      }
    }).observe(document, { childList: true, subtree: true });
  });
  const started = Date.now();
  await page.goto(`${BASE}/cash-flow`, { waitUntil: 'commit' });
  await page.getByTestId('total-cash').waitFor({ state: 'visible', timeout: 60_000 });
  const firstBalance = Date.now() - started;
  const connect = page.getByRole('region', { name: 'Summary' }).getByRole('button', { name: 'Connect Bank' });
  // The server renders the button disabled; the widget enables it once hydrated and Link is
  // ready (token and script): click as soon as it is, then wait for Link's dialog.
  await page.waitForFunction(
    () => {
      const button = document.querySelector('section[aria-label="Summary"] .link-widget[data-phase="ready"] button');
      return button && !button.disabled;
    },
    null,
    { polling: 'raf', timeout: 60_000 },
  );
  await connect.click();
  const linkOpen = Math.round(await (await page.waitForFunction(() => window.__linkOpenAt, null, { timeout: 60_000 })).jsonValue());
  await context.close();
  return { assetBytes, firstBalance, linkOpen };
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await linkBank(browser);
  const fast = await measure(browser, false);
  const slow = await measure(browser, true);
  await browser.close();
  const kb = (b) => (b / 1024).toFixed(0);
  console.log(`wasm + JS transferred: ${kb(slow.assetBytes)} KB (target <= 200 KB)`);
  console.log(`unthrottled: first balance ${fast.firstBalance} ms, Connect Bank opens Link at ${fast.linkOpen} ms`);
  console.log(`Fast 3G:     first balance ${slow.firstBalance} ms, Connect Bank opens Link at ${slow.linkOpen} ms (target <= 3000 ms)`);
  console.log(`Fast 3G / unthrottled, Link open: ${(slow.linkOpen / fast.linkOpen).toFixed(1)}x`);
})().catch((e) => { console.error(e); process.exit(1); });
