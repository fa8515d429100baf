'use strict';
/*
 * The admin page of kurz in headless Chromium: what a person does with
 * it, from signing in to deleting a link, checked against the contract
 * in the page's selectors (h1, form ids, #FIELD-error, td.CLASS, ...).
 *
 * Run by tests/integration/test_browser.py, which starts kurz and the
 * target servers and turns what this prints into TAP. One JSON object a
 * line on standard output:
 *   {"t": "ok", "pass": true|false, "name": "...", "diag": ["..."]}
 *   {"t": "diag", "msg": "..."}
 *   {"t": "done"}                  the last line of a run that finished
 *
 * Environment:
 *   BASE_URL        kurz, e.g. http://127.0.0.1:8080 (no trailing slash)
 *   API_KEY         a key with write scope
 *   TARGET_URL      a server on another site (127.0.0.2) that serves
 *                   /landing, /landing2 and /attack
 *   SAME_SITE_URL   the same server's pages on 127.0.0.1, another port
 *   ARTIFACTS       where the screenshots go (created)
 *   KURZ_CHROMIUM   the browser (default /usr/bin/chromium)
 *   KURZ_NODE_MODULES  the folder that holds playwright-core (default
 *                   node_modules beside this file)
 *   STEP_TIMEOUT_MS one action or wait (5000); TOTAL_TIMEOUT_MS the
 *                   whole run (150000)
 */

const fs = require('fs');
const path = require('path');

const env = process.env;
const BASE = (env.BASE_URL || '').replace(/\/+$/, '');
const KEY = env.API_KEY || '';
const TARGET = (env.TARGET_URL || '').replace(/\/+$/, '');
const SAME_SITE = (env.SAME_SITE_URL || '').replace(/\/+$/, '');
const ARTIFACTS = env.ARTIFACTS || path.join(process.cwd(), 'browser-artifacts');
const CHROMIUM = env.KURZ_CHROMIUM || '/usr/bin/chromium';
const MODULES = env.KURZ_NODE_MODULES || path.join(__dirname, 'node_modules');
const STEP_MS = Number(env.STEP_TIMEOUT_MS || 5000);
const TOTAL_MS = Number(env.TOTAL_TIMEOUT_MS || 150000);
// Workers flush clicks every KURZ_CLICK_FLUSH_MS (200 in the test).
const CLICK_WAIT_MS = Number(env.CLICK_WAIT_MS || 5000);

const HOSTILE_TITLE = '"><script>alert(1)</script>';
const HOSTILE_URL = 'https://example.com/?q="><script>alert(1)</script>';
const HOSTILE_TITLE2 = "<img src=x onerror=alert(2)>'\"&amp;";
const WRONG_KEY_MSG = 'That API key is not valid or has been revoked.';
const PHONE = { width: 375, height: 667 };

// -------------------------------------------------------------------------
// Output

function emit(o) {
	process.stdout.write(JSON.stringify(o) + '\n');
}

function diag(msg) {
	emit({ t: 'diag', msg: String(msg) });
}

// Playwright colours its call logs; TAP wants plain text.
const plain = (s) => String(s).replace(/\x1b\[[0-9;]*m/g, '');

function ok(cond, name, ...diags) {
	// A '#' in a TAP name starts a directive: "form#login" -> "form login".
	name = name.replace(/(\w)#/g, '$1 ').replace(/#/g, '');
	emit({ t: 'ok', pass: !!cond, name, diag: cond ? [] :
	    diags.map((d) => plain(typeof d === 'string' ? d :
	    JSON.stringify(d))) });
	return !!cond;
}

function isEq(got, want, name, ...diags) {
	return ok(got === want, name, 'got:  ' + JSON.stringify(got),
	    'want: ' + JSON.stringify(want), ...diags);
}

/* One part of the run: an exception fails it and the run goes on. */
async function section(name, fn) {
	try {
		await fn();
	} catch (e) {
		ok(false, name + ' ran to completion (' +
		    String(e && e.message || e).split('\n')[0].slice(0, 160) + ')',
		    String(e && e.stack || e));
	}
}

// -------------------------------------------------------------------------
// Helpers

const short = (code) => BASE + '/' + code;
const adminUrl = (p) => BASE + '/admin' + p;

/* The API, with the key: {status, json}. */
async function api(method, p, body) {
	const r = await fetch(BASE + p, {
		method,
		headers: Object.assign({ Authorization: 'Bearer ' + KEY },
		    body ? { 'Content-Type': 'application/json' } : {}),
		body: body ? JSON.stringify(body) : undefined,
		redirect: 'manual',
		signal: AbortSignal.timeout(STEP_MS),
	});
	let json = null;
	try {
		json = await r.json();
	} catch (e) {
		json = null;
	}
	return { status: r.status, json };
}

function pathOf(url) {
	const u = new URL(url);
	return u.pathname + u.search;
}

let shots = 0;
async function shot(page, name) {
	const file = path.join(ARTIFACTS, name + '.png');
	await page.screenshot({ path: file, fullPage: true, timeout: STEP_MS });
	shots++;
}

async function text(page, sel) {
	const el = page.locator(sel).first();
	if (await el.count() === 0)
		return null;
	return (await el.textContent({ timeout: STEP_MS })).trim();
}

/*
 * The page may set the API's message as a sentence: a capital first
 * letter and a full stop.
 */
function sameMessage(shown, api) {
	const norm = (x) => String(x || '').trim().replace(/\.$/, '')
	    .replace(/^./, (c) => c.toLowerCase());
	return !!api && norm(shown) === norm(api);
}

/* The button of a form, by its words. */
const button = (page, form, words) =>
	page.locator(form + ' button', { hasText: words }).first();

/* The main-frame response of the navigation that fn starts. */
async function navResponse(page, fn) {
	const [resp] = await Promise.all([
		page.waitForNavigation({ timeout: STEP_MS * 2 }),
		fn(),
	]);
	return resp;
}

/*
 * Everything a page says that a person (or the test) should not see:
 * dialogs (alert and friends), uncaught exceptions, and console errors
 * such as CSP violations. Failed loads (a 401, a 404 favicon) are not
 * counted: the tests check statuses themselves.
 */
const dialogs = [];
const pageErrors = [];
const consoleErrors = [];
function watch(page) {
	page.on('dialog', (d) => {
		dialogs.push(d.type() + ': ' + d.message() + ' on ' + page.url());
		d.dismiss().catch(() => {});
	});
	page.on('pageerror', (e) => pageErrors.push(page.url() + ': ' +
	    String(e && e.message || e)));
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		if (/Failed to load resource/.test(m.text()))
			return;
		consoleErrors.push(page.url() + ': ' + m.text());
	});
	return page;
}

async function newPage(ctx) {
	return watch(await ctx.newPage());
}

/* Reload until fn(page) is true or CLICK_WAIT_MS passed; its last value. */
async function pollPage(page, fn) {
	const deadline = Date.now() + CLICK_WAIT_MS;
	for (;;) {
		const v = await fn(page);
		if (v || Date.now() >= deadline)
			return v;
		await new Promise((r) => setTimeout(r, 250));
		await page.reload({ timeout: STEP_MS });
	}
}

/* The focused element: tag, id, text, and whether a focus ring shows. */
async function focused(page) {
	return page.evaluate(() => {
		const el = document.activeElement;
		if (!el || el === document.body)
			return null;
		const cs = getComputedStyle(el);
		return {
			tag: el.tagName.toLowerCase(),
			id: el.id,
			type: el.getAttribute('type'),
			text: (el.textContent || '').trim(),
			outline: cs.outlineStyle + ' ' + cs.outlineWidth,
			ring: (cs.outlineStyle !== 'none' &&
			    parseFloat(cs.outlineWidth) > 0) ||
			    (cs.boxShadow && cs.boxShadow !== 'none'),
		};
	});
}

/* Press Tab until pred(focused) holds, at most n times; the element. */
async function tabTo(page, pred, n) {
	for (let i = 0; i < n; i++) {
		await page.keyboard.press('Tab');
		const f = await focused(page);
		if (f && pred(f))
			return f;
	}
	return null;
}

// -------------------------------------------------------------------------
// The run

async function main() {
	let pw;
	try {
		pw = require(path.join(MODULES, 'playwright-core'));
	} catch (e) {
		ok(false, 'playwright-core loads from ' + MODULES, String(e));
		return;
	}
	fs.mkdirSync(ARTIFACTS, { recursive: true });

	const browser = await pw.chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		// No connection anywhere but to the loopback servers.
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-background-networking', '--disable-quic',
		    '--disable-component-update', '--disable-sync',
		    '--no-first-run'],
		timeout: STEP_MS * 4,
	});
	try {
		ok(true, 'Chromium ' + browser.version() + ' starts');
		await run(browser);
	} finally {
		await browser.close();
	}
}

async function run(browser) {
	const newContext = async (opts) => {
		const c = await browser.newContext(Object.assign({
			viewport: { width: 1280, height: 800 },
			locale: 'en-GB',
			timezoneId: 'UTC',
		}, opts || {}));
		c.setDefaultTimeout(STEP_MS);
		c.setDefaultNavigationTimeout(STEP_MS * 2);
		return c;
	};
	const ctx = await newContext();
	await ctx.grantPermissions(['clipboard-read', 'clipboard-write'],
	    { origin: BASE });
	const page = await newPage(ctx);
	let signedIn = false;
	let sessionCookie = null;

	// -- sign in ------------------------------------------------------
	await section('sign in', async () => {
		let r = await page.goto(adminUrl('/'));
		isEq(pathOf(page.url()), '/admin/login',
		    'GET /admin/ without a session lands on /admin/login');
		const csp = (r && r.headers()['content-security-policy']) || '';
		ok(/default-src 'none'/.test(csp) && /form-action 'self'/.test(csp) &&
		    /frame-ancestors 'none'/.test(csp),
		    'the login page has the Content-Security-Policy', csp);
		ok(await page.locator('form#login').isVisible(),
		    'form#login is shown');
		const css = await page.evaluate(() => [...document.styleSheets]
		    .filter((x) => x.href && new URL(x.href).pathname ===
		    '/admin/static/admin.css').map((x) => x.cssRules.length));
		ok(css.length === 1 && css[0] > 0,
		    'it is styled by /admin/static/admin.css', JSON.stringify(css));
		const js = await page.evaluate(() => [...document.scripts]
		    .map((x) => x.src ? new URL(x.src).pathname : 'inline'));
		ok(js.length === 0 || js.every((x) => x === '/admin/static/admin.js'),
		    'its only script is /admin/static/admin.js', js.join(' '));
		isEq(await text(page, 'label[for="key"]'), 'API key',
		    'the input has the label "API key"');
		const attrs = await page.locator('input#key').evaluate((el) => [
		    el.type, el.name, el.getAttribute('autocomplete')]);
		isEq(attrs.join(' '), 'password key current-password',
		    'input#key is type=password name=key autocomplete=current-password');
		await shot(page, 'login');

		// Keyboard only: Tab to the input, type, Tab to the button, Enter.
		await page.locator('body').click({ position: { x: 1, y: 1 } });
		let f = await tabTo(page, (x) => x.id === 'key', 10);
		ok(f, 'Tab reaches the API key input');
		ok(f && f.ring, 'the focused input shows a focus ring (outline ' +
		    (f ? f.outline : '?') + ')', JSON.stringify(f));
		await page.keyboard.type('kurz_this_is_not_a_key');
		f = await tabTo(page, (x) => x.tag === 'button', 3);
		ok(f && f.type === 'submit' && f.text === 'Sign in',
		    'Tab reaches the "Sign in" button', JSON.stringify(f));
		ok(f && f.ring, 'the focused button shows a focus ring (outline ' +
		    (f ? f.outline : '?') + ')', JSON.stringify(f));
		r = await navResponse(page, () => page.keyboard.press('Enter'));
		isEq(r && r.status(), 401, 'Enter on the button with a wrong key -> 401');
		const err = page.locator('#key-error');
		ok(await err.isVisible() &&
		    (await err.textContent()).trim() === WRONG_KEY_MSG,
		    'the wrong key shows #key-error: ' + WRONG_KEY_MSG,
		    'got: ' + await text(page, '#key-error'));
		ok(await page.locator('input#key').isVisible(),
		    'the form is shown again');
		await shot(page, 'login-error');

		await page.locator('input#key').fill(KEY);
		r = await navResponse(page, () =>
		    page.locator('input#key').press('Enter'));
		isEq(pathOf(page.url()), '/admin/',
		    'the printed key signs in and lands on /admin/');
		isEq(await text(page, 'h1'), 'Links', 'its h1 is "Links"');
		const c = (await ctx.cookies(adminUrl('/'))).find((x) =>
		    x.name === 'kurz_session');
		ok(c && c.httpOnly && c.sameSite === 'Strict' &&
		    c.path === '/admin/',
		    'cookie kurz_session: HttpOnly, SameSite=Strict, Path=/admin/',
		    JSON.stringify(c));
		ok(c && c.expires > Date.now() / 1000 + 43200 - 600 &&
		    c.expires < Date.now() / 1000 + 43200 + 600,
		    'the cookie lasts 12 hours', JSON.stringify(c));
		sessionCookie = c || null;
		signedIn = !!c;
		const empty = await text(page, 'p#empty');
		ok(empty && empty.startsWith('No links yet.'),
		    'a fresh instance says "No links yet."', empty);
		const nav = await page.locator('header a').evaluateAll((as) =>
		    as.map((a) => a.textContent.trim() + '=' +
		    a.getAttribute('href')));
		ok(nav.includes('Links=/admin/') && nav.includes('New link=/admin/new'),
		    'the header links to "Links" and "New link"', nav.join(', '));
		ok(await page.locator('header form#logout button',
		    { hasText: 'Sign out' }).isVisible(),
		    'the header has form#logout with "Sign out"');
		r = await page.goto(adminUrl('/links/nosuchcode'));
		ok(r && r.status() === 404 && await text(page, 'h1') === 'Not found',
		    'an unknown link -> 404 page "Not found"',
		    'status ' + (r && r.status()), 'h1 ' + await text(page, 'h1'));
	});
	if (!signedIn) {
		ok(false, 'signed in: the rest needs a session');
		return;
	}

	// -- new link: an error beside its field, then a link ----------------
	const code = 'brw1';
	const landing = TARGET + '/landing';
	const landing2 = TARGET + '/landing2';
	await section('new link', async () => {
		await page.goto(adminUrl('/'));
		await navResponse(page, () =>
		    page.locator('header a', { hasText: 'New link' }).click());
		isEq(pathOf(page.url()), '/admin/new', '"New link" opens /admin/new');
		isEq(await text(page, 'h1'), 'New link', 'its h1 is "New link"');
		const labels = { url: 'Target URL', code: 'Code', domain: 'Domain',
		    title: 'Title', tags: 'Tags', expires_at: 'Expires (UTC)',
		    max_clicks: 'Visit limit', redirect_status: 'Redirect type',
		    password: 'Password' };
		const bad = [];
		for (const [id, want] of Object.entries(labels)) {
			const l = await text(page, 'form#link-form label[for="' + id + '"]');
			const n = await page.locator('form#link-form #' + id +
			    '[name="' + id + '"]').count();
			if (!l || !l.startsWith(want) || n !== 1)
				bad.push(id + ': label ' + JSON.stringify(l) + ', inputs ' + n);
		}
		ok(bad.length === 0, 'form#link-form has every field with its label',
		    ...bad);
		const types = await page.evaluate(() => ['expires_at', 'max_clicks',
		    'password'].map((id) => document.getElementById(id) &&
		    document.getElementById(id).type));
		isEq(types.join(' '), 'datetime-local number password',
		    'expires_at, max_clicks and password have their input types');
		const opts = await page.locator('select#redirect_status option')
		    .evaluateAll((os) => os.map((o) => o.value));
		isEq(opts.slice().sort().join(' '), '301 302 307 308',
		    'Redirect type offers 301, 302, 307 and 308');
		ok(await page.locator('form#link-form input[type="hidden"][name="csrf"]')
		    .count() === 1, 'the form has a hidden csrf input');

		const want = await api('POST', '/api/v1/links', { url: 'ftp://x' });
		const msg = want.json && want.json.errors && want.json.errors.url;
		ok(want.status === 422 && msg, 'the API refuses ftp://x: ' + msg,
		    JSON.stringify(want));
		await page.fill('#url', 'ftp://x');
		await page.fill('#title', 'kept title');
		let r = await navResponse(page, () =>
		    button(page, 'form#link-form', 'Create link').click());
		isEq(r && r.status(), 422, 'url ftp://x -> 422');
		const e = await page.evaluate(() => {
			const i = document.getElementById('url');
			const er = document.getElementById('url-error');
			return {
				shown: !!er && er.offsetParent !== null,
				cls: er && er.className,
				text: er && er.textContent.trim(),
				next: !!i && i.nextElementSibling === er,
				invalid: i && i.getAttribute('aria-invalid'),
				described: i && i.getAttribute('aria-describedby'),
				url: i && i.value,
				title: document.getElementById('title') &&
				    document.getElementById('title').value,
			};
		});
		ok(e.shown && sameMessage(e.text, msg) &&
		    /\berror\b/.test(e.cls || ''),
		    '#url-error (p.error) shows the API\'s message',
		    JSON.stringify(e), 'API: ' + msg);
		ok(e.next, '#url-error comes right after the input', JSON.stringify(e));
		ok(e.invalid === 'true' && e.described === 'url-error',
		    'the input has aria-invalid and aria-describedby', JSON.stringify(e));
		ok(e.url === 'ftp://x' && e.title === 'kept title',
		    'the form keeps what was typed', JSON.stringify(e));
		await shot(page, 'new-error');

		await page.fill('#url', landing);
		await page.fill('#code', code);
		await page.fill('#title', 'Browser test');
		await page.fill('#tags', 'alpha, beta');
		r = await navResponse(page, () =>
		    button(page, 'form#link-form', 'Create link').click());
		isEq(new URL(page.url()).pathname, '/admin/links/' + code,
		    'Create link -> the link\'s page');
		isEq(await text(page, 'h1'), short(code), 'its h1 is the short URL');
		const got = await api('GET', '/api/v1/links/' + code);
		ok(got.status === 200 && got.json && got.json.url === landing &&
		    got.json.title === 'Browser test',
		    'the API has the link with its target and title',
		    JSON.stringify(got));
		await page.goto(adminUrl('/new'));
		await page.fill('#url', landing);
		await page.fill('#code', code);
		const taken = await navResponse(page, () =>
		    button(page, 'form#link-form', 'Create link').click());
		ok(taken && taken.status() === 409 &&
		    await page.locator('#code-error').isVisible(),
		    'the same code again -> 409 with #code-error',
		    'status ' + (taken && taken.status()),
		    'error ' + await text(page, '#code-error'));
	});

	// -- the link's page: details, copy, QR --------------------------------
	await section('link page', async () => {
		await page.goto(adminUrl('/links/' + code));
		const dl = await text(page, 'dl#details');
		ok(dl && dl.includes(landing) && dl.includes('Browser test') &&
		    dl.includes('alpha') && dl.includes('beta'),
		    'dl#details shows the target, the title and the tags', dl);
		const copy = page.locator('button.copy').first();
		isEq(await copy.getAttribute('data-copy'), short(code),
		    'a copy button holds the short URL');
		await copy.click();
		let clip = null;
		for (let i = 0; i < 20 && clip !== short(code); i++) {
			clip = await page.evaluate(() =>
			    navigator.clipboard.readText().catch((e) => 'error ' + e));
			if (clip !== short(code))
				await page.waitForTimeout(100);
		}
		isEq(clip, short(code), 'the copy button puts it on the clipboard');
		const qr = await page.locator('img#qr').evaluate(async (img) => {
			if (!img.complete)
				await new Promise((r) => {
					img.onload = r;
					img.onerror = r;
				});
			return { w: img.naturalWidth, src: img.getAttribute('src'),
			    alt: img.alt };
		});
		ok(qr.w > 0, 'img#qr loads (naturalWidth ' + qr.w + ')',
		    JSON.stringify(qr));
		ok(qr.src === '/admin/links/' + code + '/qr.svg' &&
		    qr.alt === 'QR code for ' + short(code),
		    'img#qr has its src and alt', JSON.stringify(qr));
		const png = await page.locator('a#qr-png').getAttribute('href');
		const svg = await page.locator('a#qr-svg').getAttribute('href');
		isEq(png, '/admin/links/' + code + '/qr.png?download=1',
		    'a#qr-png links to the PNG download');
		isEq(svg, '/admin/links/' + code + '/qr.svg?download=1',
		    'a#qr-svg links to the SVG download');
		// A click on a download link: the browser saves a file.
		const [dl1] = await Promise.all([page.waitForEvent('download'),
		    page.click('a#qr-png')]);
		isEq(dl1.suggestedFilename(), code + '.png',
		    'clicking a#qr-png downloads ' + code + '.png');
		const r = await page.request.get(BASE + png, { maxRedirects: 0 });
		const body = await r.body();
		ok(r.status() === 200 &&
		    /^image\/png\b/.test(r.headers()['content-type'] || '') &&
		    body.subarray(0, 8).toString('hex') === '89504e470d0a1a0a',
		    'the QR PNG is a 200 image/png', 'status ' + r.status(),
		    JSON.stringify(r.headers()), body.subarray(0, 8).toString('hex'));
		ok(/attachment/.test(r.headers()['content-disposition'] || '') &&
		    (r.headers()['content-disposition'] || '').includes(code + '.png'),
		    'it is an attachment named ' + code + '.png',
		    JSON.stringify(r.headers()));
		const s = await page.request.get(BASE + svg, { maxRedirects: 0 });
		ok(s.status() === 200 &&
		    /^image\/svg\+xml\b/.test(s.headers()['content-type'] || ''),
		    'the QR SVG is a 200 image/svg+xml', 'status ' + s.status(),
		    JSON.stringify(s.headers()));
		isEq(await page.locator('a#stats').getAttribute('href'),
		    '/admin/links/' + code + '/stats', 'a#stats links to the stats');
		await shot(page, 'link');

		await page.goto(adminUrl('/'));
		const row = await page.evaluate((c) => {
			const tr = document.querySelector('table#links tr[data-code="' +
			    c + '"]');
			if (!tr)
				return null;
			const t = (s) => {
				const e = tr.querySelector(s);
				return e ? e.textContent.trim() : null;
			};
			const a = tr.querySelector('td.code a');
			const sa = tr.querySelector('td.short a');
			const b = tr.querySelector('td.short button.copy');
			return {
				code: a && a.getAttribute('href'),
				short: sa && sa.getAttribute('href'),
				shortText: sa && sa.textContent.trim(),
				copy: b && b.getAttribute('data-copy'),
				target: t('td.target'), title: t('td.title'),
				tags: t('td.tags'), clicks: t('td.clicks'),
				status: t('td.status span.status.status-active'),
			};
		}, code);
		ok(row, 'table#links has tr[data-code="' + code + '"]');
		ok(row && row.code === '/admin/links/' + code &&
		    row.short === short(code) && row.shortText === short(code) &&
		    row.copy === short(code),
		    'its td.code and td.short link to the page and the short URL',
		    JSON.stringify(row));
		ok(row && row.target.includes(landing) &&
		    row.title === 'Browser test' && /alpha/.test(row.tags) &&
		    row.clicks === '0' && row.status === 'active',
		    'target, title, tags, 0 clicks, status active', JSON.stringify(row));
		await shot(page, 'links');
	});

	// -- follow the short URL; the count rises -----------------------------
	await section('follow and count', async () => {
		const v = await newPage(ctx);
		const r = await v.goto(short(code));
		const hop = r && r.request().redirectedFrom();
		const hopResp = hop && await hop.response();
		ok(hop && hop.url() === short(code) && hopResp &&
		    hopResp.status() === 302, 'the short URL answers 302',
		    hop ? hop.url() + ' ' + (hopResp && hopResp.status()) : 'no hop');
		isEq(v.url(), landing, 'the short URL lands on the target');
		isEq(await text(v, 'h1'), 'Landing one', 'the target page is shown');
		await v.close();

		await page.goto(adminUrl('/links/' + code + '/stats'));
		isEq(await text(page, 'h1'), 'Stats for ' + short(code),
		    'the stats page: h1 "Stats for SHORT"');
		const visits = await pollPage(page, async (p) =>
		    (await text(p, 'dd#visits')) === '1');
		ok(visits, 'dd#visits rises to 1 within ' + CLICK_WAIT_MS + ' ms',
		    'dd#visits: ' + await text(page, 'dd#visits'));
		const chart = await page.evaluate(() => {
			const svg = document.querySelector('svg#chart');
			if (!svg)
				return null;
			const bars = [...svg.querySelectorAll('rect.bar')];
			const last = bars[bars.length - 1];
			return {
				role: svg.getAttribute('role'),
				label: svg.getAttribute('aria-label'),
				n: bars.length,
				titled: bars.filter((b) => b.querySelector('title')).length,
				lastDay: last && last.getAttribute('data-day'),
				lastVisits: last && last.getAttribute('data-visits'),
				h: last && last.getBoundingClientRect().height,
			};
		});
		const today = new Date().toISOString().slice(0, 10);
		ok(chart && chart.role === 'img' &&
		    chart.label === 'Visits per day, last 30 days' &&
		    chart.n === 30 && chart.titled === 30,
		    'svg#chart: role img, its label, 30 bars each with a title',
		    JSON.stringify(chart));
		ok(chart && chart.lastDay === today && chart.lastVisits === '1' &&
		    chart.h > 0, 'the last bar is today with 1 visit, and shows',
		    JSON.stringify(chart), 'today ' + today);
		ok(await text(page, 'dd#uniques') === '1' &&
		    await text(page, 'dd#bots') === '0',
		    'dd#uniques 1, dd#bots 0',
		    'uniques ' + await text(page, 'dd#uniques'),
		    'bots ' + await text(page, 'dd#bots'));
		const tables = await page.evaluate(() => ['referrers', 'browsers',
		    'os', 'devices', 'countries'].map((id) =>
		    id + ':' + (document.querySelector('table#' + id) ? 'table' : '-')));
		ok(tables.every((t) => t.endsWith(':table')) ||
		    await page.locator('p', { hasText: 'None yet.' }).count() > 0,
		    'the breakdown tables are there (or "None yet.")',
		    tables.join(' '));
		const browsers = await text(page, 'table#browsers tbody');
		ok(browsers && /chrom/i.test(browsers),
		    'table#browsers counts Chrome', browsers);
		await shot(page, 'stats');

		await page.goto(adminUrl('/'));
		isEq(await text(page, 'tr[data-code="' + code + '"] td.clicks'), '1',
		    'the links table shows 1 click');
	});

	// -- edit the target, follow again -------------------------------------
	await section('edit', async () => {
		await page.goto(adminUrl('/links/' + code));
		const form = page.locator('form#link-form');
		isEq(await form.locator('#url').inputValue(), landing,
		    'the edit form is prefilled with the target');
		const codeEditable = await page.evaluate(() => {
			const f = document.getElementById('link-form');
			const c = f && f.querySelector('[name="code"]');
			return !!c && !c.disabled && !c.readOnly && c.type !== 'hidden';
		});
		ok(!codeEditable, 'the code cannot be edited');
		await form.locator('#url').fill(landing2);
		await navResponse(page, () =>
		    button(page, 'form#link-form', 'Save changes').click());
		ok(pathOf(page.url()) === '/admin/links/' + code + '?saved=1' &&
		    await text(page, 'p.notice') === 'Saved.',
		    '"Save changes" -> back to the page with "Saved."',
		    page.url(), 'notice ' + await text(page, 'p.notice'));
		isEq(await page.locator('form#link-form #url').inputValue(), landing2,
		    'the form shows the new target');
		const v = await newPage(ctx);
		await v.goto(short(code));
		ok(v.url() === landing2 && await text(v, 'h1') === 'Landing two',
		    'the short URL now lands on the second target',
		    v.url(), await text(v, 'h1'));
		await v.close();

		await page.fill('form#link-form #url', 'javascript:alert(3)');
		const r = await navResponse(page, () =>
		    button(page, 'form#link-form', 'Save changes').click());
		ok(r && r.status() === 422 &&
		    await page.locator('#url-error').isVisible(),
		    'an invalid target on edit -> 422 with #url-error',
		    'status ' + (r && r.status()));
		const still = await api('GET', '/api/v1/links/' + code);
		isEq(still.json && still.json.url, landing2,
		    'the refused edit changed nothing');
	});

	// -- delete through the confirmation page ------------------------------
	await section('delete', async () => {
		await page.goto(adminUrl('/links/' + code));
		await navResponse(page, () => page.click('a#delete'));
		isEq(pathOf(page.url()), '/admin/links/' + code + '/delete',
		    'a#delete opens the confirmation page');
		isEq(await text(page, 'h1'), 'Delete ' + short(code) + '?',
		    'it asks "Delete SHORT?"');
		ok(await page.locator('a', { hasText: 'Cancel' }).count() > 0,
		    'it has a "Cancel" link');
		await shot(page, 'delete');
		await navResponse(page, () =>
		    button(page, 'form#confirm-delete', 'Delete link').click());
		isEq(pathOf(page.url()), '/admin/links/' + code + '?deleted=1',
		    '"Delete link" -> back to the page');
		ok(await page.locator('form#restore button',
		    { hasText: 'Restore' }).isVisible(),
		    'the deleted link offers "Restore"');
		const v = await newPage(ctx);
		const r = await v.goto(short(code));
		isEq(r && r.status(), 410, 'the short URL now answers 410');
		await v.close();
		await page.goto(adminUrl('/'));
		isEq(await page.locator('tr[data-code="' + code + '"]').count(), 0,
		    'the list leaves the deleted link out');
		await page.goto(adminUrl('/'));
		await page.locator('form#search [name="deleted"]').check();
		await navResponse(page, () =>
		    page.locator('form#search [name="q"]').press('Enter'));
		isEq(await text(page, 'tr[data-code="' + code + '"] td.status'),
		    'deleted', '"Deleted links" shows it as deleted');

		await page.goto(adminUrl('/links/' + code));
		await navResponse(page, () =>
		    button(page, 'form#restore', 'Restore').click());
		ok(await page.locator('a#delete').isVisible(),
		    '"Restore" makes it live again');
		const w = await newPage(ctx);
		await w.goto(short(code));
		isEq(w.url(), landing2, 'and the short URL leads on again');
		await w.close();
	});

	// -- hostile input is text ---------------------------------------------
	await section('hostile input', async () => {
		const before = dialogs.length;
		const xcode = 'xss1';
		await page.goto(adminUrl('/new'));
		await page.fill('#url', HOSTILE_URL);
		await page.fill('#code', xcode);
		await page.fill('#title', HOSTILE_TITLE);
		await page.fill('#tags', 'x<b>y</b>');
		await navResponse(page, () =>
		    button(page, 'form#link-form', 'Create link').click());
		const got = await api('GET', '/api/v1/links/' + xcode);
		ok(got.status === 200 && got.json.title === HOSTILE_TITLE,
		    'a link with a hostile title and URL is created through the form',
		    JSON.stringify(got), 'at ' + page.url());
		const stored = got.json && got.json.url;
		const r = await api('POST', '/api/v1/links',
		    { url: landing, code: 'xss2', title: HOSTILE_TITLE2 });
		ok(r.status === 201, 'and one titled ' + HOSTILE_TITLE2,
		    JSON.stringify(r));

		const injected = () => page.evaluate(() => ({
			inline: [...document.scripts].filter((s) => !s.src).length,
			img: document.querySelectorAll('img[src="x"], [onerror]').length,
			b: document.querySelectorAll('td b, dd b').length,
		}));
		for (const where of ['/links/' + xcode, '/', '/links/xss2',
		    '/links/' + xcode + '/stats', '/links/' + xcode + '/delete']) {
			await page.goto(adminUrl(where));
			const i = await injected();
			ok(i.inline === 0 && i.img === 0 && i.b === 0,
			    where + ': no element made from the input', JSON.stringify(i));
		}
		await page.goto(adminUrl('/'));
		isEq(await text(page, 'tr[data-code="' + xcode + '"] td.title'),
		    HOSTILE_TITLE, 'the list shows the hostile title as text');
		isEq(await text(page, 'tr[data-code="xss2"] td.title'),
		    HOSTILE_TITLE2, 'and the other one');
		const tgt = await text(page, 'tr[data-code="' + xcode + '"] td.target');
		ok(tgt && tgt.includes(stored),
		    'the list shows the stored URL as text', tgt, stored);
		await shot(page, 'links-hostile');
		await page.goto(adminUrl('/links/' + xcode));
		isEq(await page.locator('form#link-form #title').inputValue(),
		    HOSTILE_TITLE, 'the edit form holds the title unchanged');
		const dl = await text(page, 'dl#details');
		ok(dl && dl.includes(HOSTILE_TITLE), 'dl#details shows it as text', dl);
		isEq(dialogs.length - before, 0, 'no dialog opened',
		    ...dialogs.slice(before));
	});

	// -- cross-site and tokenless POSTs are refused ------------------------
	await section('refused posts', async () => {
		for (const [origin, what, ccode] of [[TARGET, 'cross-site', 'csrfx'],
		    [SAME_SITE, 'same-site', 'csrfy']]) {
			if (!origin) {
				ok(false, what + ': no server to post from');
				continue;
			}
			const v = await newPage(ctx);
			// The page submits its form itself, once it has loaded.
			const [resp] = await Promise.all([
				v.waitForResponse((x) => x.url() === adminUrl('/new') &&
				    x.request().method() === 'POST', { timeout: STEP_MS * 2 }),
				v.goto(origin + '/attack?action=' +
				    encodeURIComponent(adminUrl('/new')) + '&code=' + ccode),
			]);
			// The answer's page, whatever it is, replaces the form's.
			await v.waitForURL((u) => !u.href.startsWith(origin));
			ok(resp.status() === 403 && await text(v, 'h1') === 'Refused',
			    'a ' + what + ' form POST to /admin/new -> 403 "Refused"',
			    'status ' + resp.status(), 'h1 ' + await text(v, 'h1'),
			    'from ' + origin);
			isEq((await api('GET', '/api/v1/links/' + ccode)).status, 404,
			    'and no link ' + ccode + ' was made');
			await v.close();
		}
		// Same origin, but the token is gone.
		await page.goto(adminUrl('/new'));
		await page.evaluate(() => document.querySelectorAll(
		    'form#link-form input[name="csrf"]').forEach((i) => i.remove()));
		await page.fill('#url', landing);
		await page.fill('#code', 'csrfz');
		let r = await navResponse(page, () =>
		    button(page, 'form#link-form', 'Create link').click());
		isEq(r && r.status(), 403, 'a POST without the csrf token -> 403');
		await page.goto(adminUrl('/new'));
		await page.evaluate(() => document.querySelectorAll(
		    'form#link-form input[name="csrf"]').forEach((i) => {
			// One character changed; never the one it already has.
			i.value = (i.value[0] === 'x' ? 'y' : 'x') + i.value.slice(1);
		}));
		await page.fill('#url', landing);
		await page.fill('#code', 'csrfz');
		r = await navResponse(page, () =>
		    button(page, 'form#link-form', 'Create link').click());
		isEq(r && r.status(), 403, 'a POST with a wrong csrf token -> 403');
		isEq((await api('GET', '/api/v1/links/csrfz')).status, 404,
		    'and no link csrfz was made');
	});

	// -- a phone ------------------------------------------------------------
	await section('phone', async () => {
		for (let i = 0; i < 3; i++)
			await api('POST', '/api/v1/links', {
				url: TARGET + '/a/rather/long/path/that/a/phone/has/to/wrap/' +
				    'somewhere/' + i + '?utm_source=newsletter&utm_medium=email',
				title: 'A long title that takes more room than a phone has ' + i,
				tags: ['news', 'mail', 'spring-' + i],
			});
		const phone = await newContext({ viewport: PHONE, isMobile: true,
		    hasTouch: true });
		await phone.addCookies([sessionCookie]);
		const p = await newPage(phone);
		await p.goto(adminUrl('/'));
		isEq(pathOf(p.url()), '/admin/', 'the session works on a phone');
		const w = await p.evaluate(() => ({
			scroll: document.scrollingElement.scrollWidth,
			client: document.scrollingElement.clientWidth,
			rows: document.querySelectorAll('table#links tr[data-code]').length,
		}));
		ok(w.rows > 0 && w.scroll <= PHONE.width + 1,
		    'the links page fits 375 px: no horizontal scroll (' +
		    w.scroll + ' px)', JSON.stringify(w));
		await shot(p, 'links-phone');
		await p.screenshot({ path: path.join(ARTIFACTS,
		    'links-phone-top.png'), timeout: STEP_MS });
		await p.goto(adminUrl('/new'));
		const w2 = await p.evaluate(() =>
		    document.scrollingElement.scrollWidth);
		ok(w2 <= PHONE.width + 1, 'the new-link form fits too (' + w2 +
		    ' px)');
		await shot(p, 'new-phone');
		for (const [where, name] of [['/links/xss1', 'link-phone'],
		    ['/links/xss1/stats', 'stats-phone']]) {
			await p.goto(adminUrl(where));
			const w3 = await p.evaluate(() =>
			    document.scrollingElement.scrollWidth);
			ok(w3 <= PHONE.width + 1, where + ' fits too (' + w3 + ' px)');
			await shot(p, name);
		}
		await phone.close();

		await page.goto(adminUrl('/'));
		await page.locator('form#search [name="tag"]').fill('spring-1');
		await navResponse(page, () =>
		    page.locator('form#search [name="tag"]').press('Enter'));
		const rows = await page.locator('table#links tr[data-code]').count();
		const tags = await text(page, 'table#links tr[data-code] td.tags');
		ok(rows === 1 && /spring-1/.test(tags || ''),
		    'the Tag filter keeps the one link tagged spring-1',
		    'rows ' + rows, 'tags ' + tags, page.url());
	});

	// -- sign out ends the session -------------------------------------------
	await section('sign out', async () => {
		await page.goto(adminUrl('/'));
		const old = (await ctx.cookies(adminUrl('/'))).find((x) =>
		    x.name === 'kurz_session');
		await navResponse(page, () =>
		    button(page, 'header form#logout', 'Sign out').click());
		isEq(pathOf(page.url()), '/admin/login', 'Sign out -> /admin/login');
		const left = (await ctx.cookies(adminUrl('/'))).find((x) =>
		    x.name === 'kurz_session' && x.value);
		ok(!left, 'the cookie is cleared', JSON.stringify(left));
		await page.goto(adminUrl('/'));
		isEq(pathOf(page.url()), '/admin/login',
		    'after signing out /admin/ asks to sign in');
		const c2 = await newContext();
		await c2.addCookies([old]);
		const p2 = await newPage(c2);
		await p2.goto(adminUrl('/'));
		isEq(pathOf(p2.url()), '/admin/login',
		    'the old cookie, replayed, gets the login page');
		const r = await p2.request.post(adminUrl('/new'), {
			form: { url: landing, code: 'replay' }, maxRedirects: 0 });
		ok(r.status() >= 300 && r.status() < 500 && r.status() !== 422,
		    'a POST with the old cookie is not taken (status ' +
		    r.status() + ')');
		isEq((await api('GET', '/api/v1/links/replay')).status, 404,
		    'and made no link');
		await c2.close();
	});

	ok(pageErrors.length === 0, 'no script error on any page', ...pageErrors);
	ok(consoleErrors.length === 0,
	    'no console error (CSP violations included) on any page',
	    ...consoleErrors);
	isEq(dialogs.length, 0, 'no dialog in the whole run', ...dialogs);
	diag(shots + ' screenshots in ' + ARTIFACTS);
	await ctx.close();
}

const watchdog = setTimeout(() => {
	ok(false, 'the browser run finished within ' + TOTAL_MS + ' ms');
	process.exit(1);	// Playwright kills the browser on exit
}, TOTAL_MS);

main().then(() => {
	clearTimeout(watchdog);
	emit({ t: 'done' });
}, (e) => {
	clearTimeout(watchdog);
	ok(false, 'the browser run ended without an error (' +
	    String(e && e.message || e).split('\n')[0].slice(0, 160) + ')',
	    String(e && e.stack || e));
	process.exitCode = 1;
});
