import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ReportedOriginal } from '../src/domain/report.js';
import { IndicatorFileInvalid, IndicatorList, IndicatorLists, type IndicatorMatch } from '../src/reports/indicators.js';
import { judge, VerdictSettings, type VerdictFacts } from '../src/reports/verdict.js';

const HASH = 'ab'.repeat(32);
const OTHER_HASH = 'cd'.repeat(32);

const original = (change: Partial<ReportedOriginal> = {}) =>
  ReportedOriginal.parse({ found: 'attachment', from: 'billing@vendor.example', replyTo: [], to: ['alice@corp.example'], urls: [], attachments: [], ...change });

const withUrls = (...urls: string[]) => original({ urls: urls.map((url) => ({ url })) });

/** Matches of inline lists against one message. */
async function matchesOf(lists: unknown[], message: ReportedOriginal): Promise<IndicatorMatch[]> {
  const opened = await IndicatorLists.open(lists.map((l) => IndicatorList.parse(l)), tmpdir());
  return (await opened.current()).match(message);
}

const indicatorsOf = (matches: IndicatorMatch[]) => matches.map((m) => `${m.list}:${m.kind}:${m.indicator}:${m.value}`).sort();

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clawback-indicators-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('indicator matching', () => {
  const domainList = { id: 'bad-domains', disposition: 'suspicious', domains: ['Evil.example', 'münchen.example'] };

  test('a domain matches itself and its subdomains in From, Reply-To, Return-Path and URL hosts, not lookalikes', async () => {
    const message = original({
      from: 'x@a.evil.example',
      replyTo: ['y@notevil.example', 'z@evil.example.org'],
      returnPath: '<bounce@EVIL.example>',
      urls: [{ url: 'https://deep.sub.evil.example/login' }, { url: 'https://evil.example.net/' }],
    });
    assert.deepEqual(indicatorsOf(await matchesOf([domainList], message)), [
      'bad-domains:domain:evil.example:<bounce@EVIL.example>',
      'bad-domains:domain:evil.example:https://deep.sub.evil.example/login',
      'bad-domains:domain:evil.example:x@a.evil.example',
    ]);
  });

  test('domains are compared IDN-normalised, whichever way either side spells them', async () => {
    const message = original({ from: 'a@Mail.MÜNCHEN.example', urls: [{ url: 'https://xn--mnchen-3ya.example/x' }] });
    assert.deepEqual(indicatorsOf(await matchesOf([domainList], message)), [
      'bad-domains:domain:xn--mnchen-3ya.example:a@Mail.MÜNCHEN.example',
      'bad-domains:domain:xn--mnchen-3ya.example:https://xn--mnchen-3ya.example/x',
    ]);
  });

  test('a URL matches when equal after normalisation: case, default port, fragment, bare-host slash', async () => {
    const list = { id: 'phish-feed', disposition: 'malicious', urls: ['https://x.example/a', 'http://bare.example'] };
    const matches = await matchesOf([list], withUrls('HTTPS://X.Example:443/a#frag', 'http://BARE.example/', 'https://x.example:8443/a'));
    assert.deepEqual(indicatorsOf(matches), [
      'phish-feed:url:http://bare.example/:http://BARE.example/',
      'phish-feed:url:https://x.example/a:HTTPS://X.Example:443/a#frag',
    ]);
  });

  test('a list URL matches as a prefix only at a path-segment boundary', async () => {
    const list = { id: 'phish-feed', disposition: 'malicious', urls: ['https://x.example/a', 'https://y.example/dir/'] };
    const urls = ['https://x.example/a/b', 'https://x.example/a?id=1', 'https://x.example/ab', 'https://x.example/', 'https://y.example/dir/page', 'https://y.example/dir'];
    const matched = (await matchesOf([list], withUrls(...urls))).map((m) => m.value).sort();
    assert.deepEqual(matched, ['https://x.example/a/b', 'https://x.example/a?id=1', 'https://y.example/dir/page']);
  });

  test('a bare-host list URL covers every path on that host and scheme', async () => {
    const list = { id: 'phish-feed', disposition: 'malicious', urls: ['https://x.example'] };
    const matched = (await matchesOf([list], withUrls('https://x.example/any/path?q', 'http://x.example/any'))).map((m) => m.value);
    assert.deepEqual(matched, ['https://x.example/any/path?q']);
  });

  test('hashes match attachment sha256 whatever the case they were listed in', async () => {
    const list = { id: 'bad-files', disposition: 'malicious', hashes: [HASH.toUpperCase()] };
    const attachment = (sha256: string) => ({ filename: 'invoice.pdf', contentType: 'application/pdf', size: 10, sha256 });
    const matches = await matchesOf([list], original({ attachments: [attachment(OTHER_HASH), attachment(HASH)] }));
    assert.deepEqual(indicatorsOf(matches), [`bad-files:hash:${HASH}:${HASH}`]);
  });

  test('senders match From, Reply-To and Return-Path exactly, case-insensitively, once per address', async () => {
    const list = { id: 'bad-senders', disposition: 'spam', senders: ['Billing@Vendor.example'] };
    const message = original({ from: 'billing@vendor.example', returnPath: 'billing@vendor.example', replyTo: ['billing2@vendor.example', 'x.billing@vendor.example'] });
    assert.deepEqual(indicatorsOf(await matchesOf([list], message)), ['bad-senders:sender:billing@vendor.example:billing@vendor.example']);
  });

  test('each list reports its own match with its own disposition', async () => {
    const lists = [
      { id: 'a', disposition: 'malicious', domains: ['vendor.example'] },
      { id: 'b', disposition: 'bulk', domains: ['vendor.example'] },
    ];
    const matches = await matchesOf(lists, original());
    assert.deepEqual(matches.map((m) => [m.list, m.disposition]), [['a', 'malicious'], ['b', 'bulk']]);
  });

  test('a 100,000-entry list still finds the one entry that matches, and nothing else', async () => {
    await withTempDir(async (dir) => {
      const lines = Array.from({ length: 100_000 }, (_, i) => (i % 2 === 0 ? `host${i}.bad.example` : `https://bad.example/p${i}`));
      await writeFile(join(dir, 'big.txt'), lines.join('\n'));
      const lists = await IndicatorLists.open([IndicatorList.parse({ id: 'big', disposition: 'malicious', file: 'big.txt' })], dir);
      const snapshot = await lists.current();
      const message = original({
        from: 'x@mail.host77776.bad.example',
        urls: [{ url: 'https://bad.example/p99999/login' }, { url: 'https://bad.example/p999990' }, { url: 'https://bad.example/p99998' }, { url: 'https://host1.bad.example/' }],
      });
      assert.deepEqual(indicatorsOf(snapshot.match(message)), [
        'big:domain:host77776.bad.example:x@mail.host77776.bad.example',
        'big:url:https://bad.example/p99999:https://bad.example/p99999/login',
      ]);
    });
  });
});

describe('indicator files', () => {
  test('kinds are read off each line; blank lines and # comments are skipped', async () => {
    await withTempDir(async (dir) => {
      const text = ['# feed of 2026-12-04', '', `${HASH.toUpperCase()}`, 'https://x.example/a#frag', 'Billing@Vendor.example  # seen twice', '  evil.example  ', '\r'].join('\n');
      await writeFile(join(dir, 'feed.txt'), text);
      const lists = await IndicatorLists.open([IndicatorList.parse({ id: 'feed', disposition: 'malicious', file: 'feed.txt' })], dir);
      const message = original({
        from: 'billing@vendor.example',
        urls: [{ url: 'https://x.example/a' }, { url: 'https://w.evil.example/' }],
        attachments: [{ contentType: 'text/plain', size: 1, sha256: HASH }],
      });
      assert.deepEqual(indicatorsOf((await lists.current()).match(message)), [
        'feed:domain:evil.example:https://w.evil.example/',
        `feed:hash:${HASH}:${HASH}`,
        'feed:sender:billing@vendor.example:billing@vendor.example',
        'feed:url:https://x.example/a:https://x.example/a',
      ]);
    });
  });

  test('open fails on a malformed line, naming the list, the file and the line number', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'feed.txt'), 'evil.example\n# fine\nnot a domain\n');
      const opening = IndicatorLists.open([IndicatorList.parse({ id: 'feed', disposition: 'spam', file: 'feed.txt' })], dir);
      await assert.rejects(opening, (error: unknown) => {
        assert.ok(error instanceof IndicatorFileInvalid);
        assert.equal(error.line, 3);
        assert.equal(error.file, join(dir, 'feed.txt'));
        assert.match(error.message, /indicator list feed: .*feed\.txt line 3: "not a domain" is not a domain/);
        return true;
      });
    });
  });

  test('open fails on a missing file', async () => {
    await withTempDir(async (dir) => {
      const opening = IndicatorLists.open([IndicatorList.parse({ id: 'feed', disposition: 'spam', file: 'absent.txt' })], dir);
      await assert.rejects(opening, /indicator list feed: .*absent\.txt: cannot be read \(ENOENT\)/);
    });
  });

  test('a rewritten file is seen by the next current(); a broken rewrite keeps the last good version and warns once', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'feed.txt');
      const { logger, lines } = capturedLogger();
      await writeFile(file, 'first.example\n');
      const lists = await IndicatorLists.open([IndicatorList.parse({ id: 'feed', disposition: 'malicious', file: 'feed.txt' })], dir, logger);
      const hits = async () => (await lists.current()).match(original({ replyTo: ['a@first.example', 'b@second.example'] })).map((m) => m.indicator);

      assert.deepEqual(await hits(), ['first.example']);
      const unchanged = await lists.current();
      assert.equal(await lists.current(), unchanged, 'an unchanged file gives the same snapshot');

      await writeFile(file, 'second.example\n');
      assert.deepEqual(await hits(), ['second.example']);

      await writeFile(file, 'second.example\nbroken line here\n');
      assert.deepEqual(await hits(), ['second.example']);
      assert.deepEqual(await hits(), ['second.example']);
      assert.equal(lines.length, 1, 'the broken version is reported once');
      assert.deepEqual(
        { event: lines[0]?.event, list: lines[0]?.list, file: lines[0]?.file },
        { event: 'indicators.reload_failed', list: 'feed', file },
      );
      assert.match(String(lines[0]?.error), /line 2: "broken line here"/);

      await rm(file);
      assert.deepEqual(await hits(), ['second.example']);
      assert.equal(lines.length, 2);

      await writeFile(file, 'first.example\nsecond.example\n');
      assert.deepEqual((await hits()).sort(), ['first.example', 'second.example']);
    });
  });

  test('inline entries stay alongside the file entries across reloads', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'feed.txt'), 'file.example\n');
      const list = IndicatorList.parse({ id: 'feed', disposition: 'malicious', file: 'feed.txt', senders: ['boss@inline.example'] });
      const lists = await IndicatorLists.open([list], dir);
      await writeFile(join(dir, 'feed.txt'), 'other.example\n');
      const matches = (await lists.current()).match(original({ from: 'boss@inline.example', replyTo: ['x@other.example'] }));
      assert.deepEqual(matches.map((m) => m.kind).sort(), ['domain', 'sender']);
    });
  });
});

describe('verdict settings', () => {
  test('defaults: no lists, empty allow-list, no reporters threshold', () => {
    assert.deepEqual(VerdictSettings.parse({}), { indicators: [], allow: { senders: [], domains: [] } });
  });

  test('rejects duplicate list ids, bad ids, unknown keys, malformed entries and empty lists', () => {
    const list = { id: 'feed', disposition: 'spam', domains: ['x.example'] };
    const rejected = [
      { indicators: [list, list] },
      { indicators: [{ ...list, id: 'Feed' }] },
      { indicators: [{ ...list, disposition: 'known-good' }] },
      { indicators: [{ ...list, extra: 1 }] },
      { indicators: [{ ...list, domains: ['not a domain'] }] },
      { indicators: [{ ...list, hashes: ['abc'] }] },
      { indicators: [{ ...list, urls: ['x.example/a'] }] },
      { indicators: [{ id: 'feed', disposition: 'spam' }] },
      { allow: { senders: ['no-at-sign'], domains: [] } },
      { reportersThreshold: 0 },
    ];
    for (const input of rejected) assert.equal(VerdictSettings.safeParse(input).success, false, JSON.stringify(input));
  });
});

describe('judge', () => {
  const settings = VerdictSettings.parse({ allow: { senders: ['ceo@partner.example'], domains: ['Corp.example'] }, reportersThreshold: 3 });
  const facts = (change: Partial<VerdictFacts> = {}): VerdictFacts => ({ original: original(), distinctReporters: 1, ...change });
  const match = (change: Partial<IndicatorMatch> = {}): IndicatorMatch => ({
    list: 'phish-feed',
    disposition: 'malicious',
    kind: 'url',
    indicator: 'https://x.example/a',
    value: 'https://x.example/a',
    ...change,
  });
  const allowListed = original({ from: 'it@corp.example' });

  test('1. an incident not undone makes it malicious, ahead of every other reason', () => {
    const verdict = judge(facts({ original: allowListed, distinctReporters: 5, incident: { incidentId: 'inc-1', status: 'contained' } }), [match()], settings);
    assert.deepEqual(verdict, {
      disposition: 'malicious',
      reasons: [
        'incident inc-1 already contained',
        'URL https://x.example/a matches list phish-feed',
        'From it@corp.example is allow-listed (domain corp.example)',
        '5 distinct reporters, threshold 3',
      ],
    });
  });

  test('1. an incident still awaiting approval counts too', () => {
    const verdict = judge(facts({ incident: { incidentId: 'inc-2', status: 'awaiting-approval' } }), [], settings);
    assert.deepEqual(verdict, { disposition: 'malicious', reasons: ['incident inc-2 already awaiting-approval'] });
  });

  test('2. a malicious list match beats an analyst undo and the allow-list', () => {
    const matches = [match({ kind: 'domain', indicator: 'corp.example', value: 'it@corp.example' }), match({ value: 'https://x.example/a/b' })];
    const verdict = judge(facts({ original: allowListed, incident: { incidentId: 'inc-3', status: 'undone' } }), matches, settings);
    assert.deepEqual(verdict, {
      disposition: 'malicious',
      reasons: [
        'domain of it@corp.example matches corp.example on list phish-feed',
        'URL https://x.example/a/b matches https://x.example/a on list phish-feed',
        'an analyst undid incident inc-3',
        'From it@corp.example is allow-listed (domain corp.example)',
      ],
    });
  });

  test('2. hash and sender matches are named with their values', () => {
    const matches = [match({ kind: 'hash', indicator: HASH, value: HASH }), match({ list: 'bad-senders', kind: 'sender', indicator: 'a@b.example', value: 'A@b.example' })];
    assert.deepEqual(judge(facts(), matches, settings).reasons, [`attachment with sha256 ${HASH} matches list phish-feed`, 'sender A@b.example matches list bad-senders']);
  });

  test('3. an undone incident makes it known-good over the reporters threshold and suspicious lists', () => {
    const verdict = judge(facts({ distinctReporters: 9, incident: { incidentId: 'inc-4', status: 'undone' } }), [match({ disposition: 'suspicious' })], settings);
    assert.deepEqual(verdict, {
      disposition: 'known-good',
      reasons: ['an analyst undid incident inc-4', '9 distinct reporters, threshold 3', 'URL https://x.example/a matches list phish-feed (suspicious)'],
    });
  });

  test('4. an allow-listed From with allow-listed Reply-To is known-good over the reporters threshold', () => {
    const message = original({ from: 'it@mail.corp.example', replyTo: ['ceo@partner.example'] });
    const verdict = judge(facts({ original: message, distinctReporters: 3 }), [match({ disposition: 'spam' })], settings);
    assert.deepEqual(verdict, {
      disposition: 'known-good',
      reasons: [
        'From it@mail.corp.example is allow-listed (domain corp.example) and so is every Reply-To',
        '3 distinct reporters, threshold 3',
        'URL https://x.example/a matches list phish-feed (spam)',
      ],
    });
  });

  test('4. an exact allow-listed sender is known-good', () => {
    assert.deepEqual(judge(facts({ original: original({ from: 'CEO@partner.example' }) }), [], settings), {
      disposition: 'known-good',
      reasons: ['From CEO@partner.example is allow-listed (sender ceo@partner.example)'],
    });
  });

  test('4. a lookalike Reply-To defeats the allow-list, and the reasons say so', () => {
    const message = original({ from: 'it@corp.example', replyTo: ['it@corp.example', 'it@c0rp.example'] });
    assert.deepEqual(judge(facts({ original: message }), [], settings), {
      disposition: 'unknown',
      reasons: [
        'no indicator, allow-list, incident or reporters threshold applied',
        'From it@corp.example is allow-listed (domain corp.example), but Reply-To it@c0rp.example is not, so the allow-list does not apply',
      ],
    });
  });

  test('4. lookalike From domains are not allow-listed', () => {
    for (const from of ['it@corp.example.evil', 'it@notcorp.example', 'ceo2@partner.example', 'ceo@mail.partner.example']) {
      assert.equal(judge(facts({ original: original({ from }) }), [], settings).disposition, 'unknown', from);
    }
  });

  test('5. reporters at the threshold make it malicious; below it, or with no threshold, they do not', () => {
    assert.deepEqual(judge(facts({ distinctReporters: 3 }), [match({ disposition: 'bulk' })], settings), {
      disposition: 'malicious',
      reasons: ['3 distinct reporters, threshold 3', 'URL https://x.example/a matches list phish-feed (bulk)'],
    });
    assert.equal(judge(facts({ distinctReporters: 2 }), [], settings).disposition, 'unknown');
    assert.equal(judge(facts({ distinctReporters: 100 }), [], VerdictSettings.parse({})).disposition, 'unknown');
  });

  test('6. the most severe disposition of the other lists decides, its matches named first', () => {
    const matches = [
      match({ list: 'bulk-mail', disposition: 'bulk', kind: 'domain', indicator: 'news.example', value: 'a@news.example' }),
      match({ list: 'odd', disposition: 'suspicious' }),
      match({ list: 'junk', disposition: 'spam', kind: 'sender', indicator: 'a@news.example', value: 'a@news.example' }),
    ];
    assert.deepEqual(judge(facts(), matches, settings), {
      disposition: 'suspicious',
      reasons: [
        'URL https://x.example/a matches list odd (suspicious)',
        'sender a@news.example matches list junk (spam)',
        'domain of a@news.example matches news.example on list bulk-mail (bulk)',
      ],
    });
  });

  test('7. nothing applied: unknown', () => {
    assert.deepEqual(judge(facts(), [], settings), { disposition: 'unknown', reasons: ['no indicator, allow-list, incident or reporters threshold applied'] });
  });
});
