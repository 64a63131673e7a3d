import { z } from 'zod';
import { ConfigId } from '../config/id.js';
import { ThreatClassification, ThreatStatus, type Alert } from '../domain/alert.js';
import { Policy } from '../domain/incident.js';

/** A regular expression written in config, checked when the config loads; matched case-insensitively. */
const Pattern = z.string().min(1).max(1000).refine((source) => {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
}, 'not a valid regular expression');

const Domains = z.array(z.string().min(1).toLowerCase()).min(1);

/** Conditions over the normalised alert; every one given must hold, and none given matches everything. */
export const MatchConditions = z
  .object({
    classification: z.array(ThreatClassification).min(1).optional(),
    threatStatus: z.array(ThreatStatus).min(1).optional(),
    scoreAtLeast: z.number().min(0).max(100).optional(),
    senderDomain: Domains.optional(),
    /** At least one recipient in one of these domains. */
    recipientDomain: Domains.optional(),
    subject: Pattern.optional(),
    /** At least one of the alert's URLs matches. */
    url: Pattern.optional(),
  })
  .strict();
export type MatchConditions = z.infer<typeof MatchConditions>;

export const MatchRule = z
  .object({
    id: ConfigId,
    when: MatchConditions.default({}),
    policy: Policy,
  })
  .strict();
export type MatchRule = z.infer<typeof MatchRule>;

/** The policy an alert runs under and the rule that chose it; `rule` is absent when none matched. */
export interface Decision {
  policy: Policy;
  rule?: string;
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** Rules compiled once per config: regular expressions built when the source is loaded. */
export class RuleSet {
  private readonly compiled: { rule: MatchRule; subject?: RegExp; url?: RegExp }[];

  /** A source's rules, or its one policy for every alert (`fallback` when it gives neither). */
  static fromConfig({ rules, policy }: { rules?: MatchRule[]; policy?: Policy }, fallback: Policy): RuleSet {
    return new RuleSet(rules ?? [{ id: 'policy', when: {}, policy: policy ?? fallback }]);
  }

  constructor(rules: MatchRule[]) {
    this.compiled = rules.map((rule) => ({
      rule,
      subject: rule.when.subject === undefined ? undefined : new RegExp(rule.when.subject, 'i'),
      url: rule.when.url === undefined ? undefined : new RegExp(rule.when.url, 'i'),
    }));
  }

  /** First matching rule wins; no match is `record`: searched and reported, nothing pulled. */
  decide(alert: Alert): Decision {
    for (const { rule, subject, url } of this.compiled) {
      if (matches(alert, rule.when, subject, url)) return { policy: rule.policy, rule: rule.id };
    }
    return { policy: 'record' };
  }
}

function matches(alert: Alert, when: MatchConditions, subject?: RegExp, url?: RegExp): boolean {
  const { threat } = alert;
  if (when.classification && !when.classification.includes(threat.classification)) return false;
  if (when.threatStatus && !(threat.status && when.threatStatus.includes(threat.status))) return false;
  if (when.scoreAtLeast !== undefined && !(threat.score !== undefined && threat.score >= when.scoreAtLeast)) return false;
  if (when.senderDomain && !when.senderDomain.includes(domainOf(alert.sender))) return false;
  if (when.recipientDomain && !alert.recipients.some((r) => when.recipientDomain!.includes(domainOf(r)))) return false;
  if (subject && !(alert.subject !== undefined && subject.test(alert.subject))) return false;
  if (url && !(threat.urls ?? []).some((u) => url.test(u))) return false;
  return true;
}
