import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalMessageId, MessageId } from '../src/domain/message-id.js';
import { incidentIdFor, incidentIdFromPath, incidentWorkflowId } from '../src/domain/ids.js';

test('Message-IDs that differ only in brackets, spaces or domain case name one incident', () => {
  const forms = ['<Abc.123@Mail.Example.COM>', 'Abc.123@mail.example.com', '  <Abc.123@mail.example.com> '];
  assert.deepEqual(new Set(forms.map(canonicalMessageId)), new Set(['<Abc.123@mail.example.com>']));
  assert.equal(new Set(forms.map(incidentIdFor)).size, 1);
});

test('the local part keeps its case: two messages differing there are two incidents', () => {
  assert.notEqual(incidentIdFor('<ABC@x.example>'), incidentIdFor('<abc@x.example>'));
});

test('a Message-ID with spaces or nested brackets is rejected', () => {
  assert.equal(MessageId.safeParse('<a b@x>').success, false);
  assert.equal(MessageId.safeParse('<<a@x>>').success, false);
  assert.equal(MessageId.safeParse('<a@x>').success, true);
});

test('the workflow id is incident-<id> and either form finds the incident', () => {
  const id = incidentIdFor('<a@x.example>');
  assert.match(id, /^[0-9a-f]{24}$/);
  assert.equal(incidentWorkflowId(id), `incident-${id}`);
  assert.equal(incidentIdFromPath(incidentWorkflowId(id)), id);
  assert.equal(incidentIdFromPath(id), id);
});
