import { expect, test as base } from '@playwright/test';

/**
 * `test` for every spec: fails a test whose page logged a hydration error, a Rust panic, a
 * Content-Security-Policy violation or an uncaught script error, even when the page still
 * looked right. (Failed requests that a test
 * provokes on purpose, such as 401s, are expected and not counted.)
 */
export const test = base.extend<{ scriptErrors: string[] }>({
  scriptErrors: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (message) => {
        if (/hydrat|panicked|RuntimeError|unreachable|Content Security Policy/i.test(message.text())) {
          problems.push(message.text());
        }
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await use(problems);
      expect(problems, 'no hydration errors, panics or uncaught script errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
