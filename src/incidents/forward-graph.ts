import { instance, type Viz } from '@viz-js/viz';
import type { CopyState, IncidentState } from '../domain/incident.js';

/**
 * The incident's forward graph as a picture: who received the message and how (directly,
 * through a list, forwarded by whom), each mailbox coloured by what happened to its copies.
 * Graphviz (through @viz-js/viz, compiled to WebAssembly) lays it out; this module only says
 * what the nodes and edges are.
 */

/** Above this many mailboxes, each way in (a list, a forwarder, direct) becomes one counted node. */
export const MAX_MAILBOX_NODES = 150;

const COLOUR: Record<CopyState['status'], string> = {
  found: '#f4a261',
  recorded: '#e9c46a',
  pulled: '#2a9d8f',
  gone: '#adb5bd',
  failed: '#e63946',
  restored: '#8d99ae',
  missing: '#adb5bd',
  'restore-failed': '#e63946',
};

/** DOT string literal: quotes and backslashes escaped, so addresses cannot break out; line breaks as DOT's `\n`. */
function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

interface Edge {
  from: string;
  to: string;
  label?: string;
  style?: string;
}

/** Where a copy came from: the sender, a list, or the forwarder's mailbox. */
function sourceOf(copy: CopyState, sender: string): { node: string; label?: string } {
  const { via, through, depth } = copy.provenance;
  if (via === 'list' && through) return { node: `list:${through}` };
  if (via === 'forward' && through) return { node: `mailbox:${through.toLowerCase()}`, label: `forward (depth ${depth})` };
  return { node: `sender:${sender}` };
}

/** The worst status among a mailbox's copies decides its colour: exposure shows first. */
function statusOf(copies: CopyState[]): CopyState['status'] {
  const order: CopyState['status'][] = ['failed', 'restore-failed', 'found', 'recorded', 'restored', 'missing', 'gone', 'pulled'];
  return order.find((status) => copies.some((copy) => copy.status === status)) ?? 'pulled';
}

export function forwardGraphDot(state: IncidentState): string {
  const lines = [
    'digraph incident {',
    '  rankdir=LR; bgcolor="white";',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, fillcolor="#ffffff"];',
    '  edge [fontname="Helvetica", fontsize=9, color="#6c757d"];',
    `  ${quoted(`sender:${state.sender}`)} [label=${quoted(`${state.sender}\n(sender)`)}, fillcolor="#ffccd5"];`,
  ];
  const edges = new Map<string, Edge>();
  const addEdge = (edge: Edge) => edges.set(`${edge.from}\u0000${edge.to}`, edges.get(`${edge.from}\u0000${edge.to}`) ?? edge);

  const lists = new Set(state.copies.flatMap((copy) => (copy.provenance.via === 'list' && copy.provenance.through ? [copy.provenance.through] : [])));
  for (const list of lists) {
    lines.push(`  ${quoted(`list:${list}`)} [label=${quoted(`${list}\n(list)`)}, shape=folder, fillcolor="#e9ecef"];`);
    addEdge({ from: `sender:${state.sender}`, to: `list:${list}` });
  }

  const byMailbox = new Map<string, CopyState[]>();
  for (const copy of state.copies) {
    const key = copy.mailbox.address.toLowerCase();
    byMailbox.set(key, [...(byMailbox.get(key) ?? []), copy]);
  }

  if (byMailbox.size <= MAX_MAILBOX_NODES) {
    for (const [address, copies] of byMailbox) {
      const status = statusOf(copies);
      const label = `${address}\n${copies.length} cop${copies.length === 1 ? 'y' : 'ies'}: ${status}`;
      lines.push(`  ${quoted(`mailbox:${address}`)} [label=${quoted(label)}, fillcolor=${quoted(COLOUR[status])}];`);
      for (const copy of copies) {
        const source = sourceOf(copy, state.sender);
        addEdge({ from: source.node, to: `mailbox:${address}`, ...(source.label ? { label: source.label } : {}) });
      }
    }
    // A forwarder that is not itself a node (its copy is elsewhere in the graph) still needs one.
    for (const forward of state.forwards) {
      const node = `mailbox:${forward.from.toLowerCase()}`;
      if (!byMailbox.has(forward.from.toLowerCase())) lines.push(`  ${quoted(node)} [label=${quoted(forward.from)}];`);
    }
  } else {
    const groups = new Map<string, { source: { node: string; label?: string }; copies: CopyState[] }>();
    for (const copy of state.copies) {
      const source = sourceOf(copy, state.sender);
      const group = groups.get(source.node) ?? { source, copies: [] };
      group.copies.push(copy);
      groups.set(source.node, group);
    }
    for (const [node, { source, copies }] of groups) {
      const mailboxes = new Set(copies.map((copy) => copy.mailbox.address.toLowerCase())).size;
      const pulled = copies.filter((copy) => copy.status === 'pulled').length;
      const group = `group:${node}`;
      lines.push(`  ${quoted(group)} [label=${quoted(`${mailboxes} mailboxes\n${pulled} of ${copies.length} copies pulled`)}, fillcolor=${quoted(COLOUR[statusOf(copies)])}];`);
      if (node.startsWith('mailbox:')) lines.push(`  ${quoted(node)} [label=${quoted(node.slice('mailbox:'.length))}];`);
      addEdge({ from: node, to: group, ...(source.label ? { label: source.label } : {}) });
    }
  }

  for (const residual of state.residualExposure.filter((entry) => entry.reason === 'external')) {
    const node = `external:${residual.address}`;
    lines.push(`  ${quoted(node)} [label=${quoted(`${residual.address}\n(external: out of reach)`)}, style="rounded,dashed", fillcolor="#ffffff"];`);
    const forwarder = state.forwards.find((forward) => forward.recipients.some((r) => r.toLowerCase() === residual.address.toLowerCase()));
    addEdge({ from: forwarder ? `mailbox:${forwarder.from.toLowerCase()}` : `sender:${state.sender}`, to: node, style: 'dashed', ...(forwarder ? { label: 'forward' } : {}) });
  }

  // A forwarder's own sent copy would be an edge to itself: the node already shows it.
  for (const edge of [...edges.values()].filter((e) => e.from !== e.to)) {
    const attributes = [edge.label ? `label=${quoted(edge.label)}` : '', edge.style ? `style=${edge.style}` : ''].filter(Boolean).join(', ');
    lines.push(`  ${quoted(edge.from)} -> ${quoted(edge.to)}${attributes ? ` [${attributes}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}

let viz: Promise<Viz> | undefined;

/** SVG of the forward graph. The Graphviz module loads once per process. */
export async function forwardGraphSvg(state: IncidentState): Promise<string> {
  viz ??= instance();
  return (await viz).renderString(forwardGraphDot(state), { format: 'svg' });
}
