import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { referenceService } from '../../../test-support/reference-tools';
import { type RunningServer, startServer } from '../src/serve';
import { demoDataDir } from './fixtures';

// Debian's chromium; in CI a missing one fails here instead of skipping.
// The page callbacks below run in the browser; this file compiles without the DOM lib.
// biome-ignore lint/suspicious/noExplicitAny: browser globals inside page callbacks
declare const document: any;

const CHROMIUM = referenceService('chromium');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: RunningServer;
let dir: string;
let cleanup: () => void;

beforeAll(async () => {
  if (!CHROMIUM) return;
  // 30 items, every one with a rendered thumbnail and preview, so every card shows one
  ({ dir, cleanup } = await demoDataDir(30, 30));
  server = await startServer({ dataDir: dir, port: 0, k: 3 });
});
afterAll(async () => {
  await server?.close();
  cleanup?.();
});

it.skipIf(!CHROMIUM)(
  'chat three turns, see cards, like one, reload and find the session restored',
  async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: 20_000 });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.goto(server.url);
      await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('session'));
      const turns = [
        'a mottled cyan cylinder bouncing',
        'a checkered orange box sliding',
        'a striped purple box standing still',
      ];
      for (const [i, text] of turns.entries()) {
        await page.fill('#text', text);
        await page.press('#text', 'Enter');
        await page.waitForFunction(
          (n) => document.querySelectorAll('#messages li.assistant').length === n,
          i + 1,
        );
      }
      expect(await page.locator('#messages li.user').allTextContents()).toEqual(turns);
      // the last turn's cards: title, channel, reason, and each thumbnail loaded from /thumbnails
      const cards = page.locator('#cards .card');
      expect(await cards.count()).toBe(3);
      const ids = (await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-item')))) as string[];
      for (const reason of await page.locator('#cards .card .reason').allTextContents())
        expect(reason.length).toBeGreaterThan(10);
      for (const ch of await page.locator('#cards .card .channel').allTextContents())
        expect(ch.length).toBeGreaterThan(0);
      await page.waitForFunction(() =>
        [...document.querySelectorAll('#cards .card img')].every(
          (i: { complete: boolean; naturalWidth: number }) => i.complete && i.naturalWidth === 64,
        ),
      );
      expect(
        await page.locator('#cards .card img').evaluateAll((els) => els.map((e) => e.getAttribute('src'))),
      ).toEqual(ids.map((id) => `/thumbnails/${id}.png`));
      const liked = ids[0];

      const before = await page.locator('#profile-summary').textContent();
      await page.locator(`#cards .card[data-item="${liked}"] button.like`).click();
      await page.waitForFunction(
        (b) => document.getElementById('profile-summary')?.textContent !== b,
        before,
      );
      expect(await page.locator('#profile-likes li').allTextContents()).toContain(`item:${liked}`);
      const summary = await page.locator('#profile-summary').textContent();

      await page.reload();
      await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('restored'));
      expect(await page.locator('#messages li.user').allTextContents()).toEqual(turns);
      expect(await page.locator('#messages li.assistant').count()).toBe(3);
      expect(
        await page.locator('#cards .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-item'))),
      ).toEqual(ids);
      expect(await page.locator('#profile-summary').textContent()).toBe(summary);
      // kept after the run (the data folder is removed): the page as the test left it
      const shot = join(tmpdir(), 'vfm-recllm-browser-test.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(existsSync(shot) && statSync(shot).size > 5000).toBe(true);
    } finally {
      await browser.close();
    }
  },
);
