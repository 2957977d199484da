/**
 * Daily delivery metrics of campaigns, broadcasts, newsletters and transactional messages
 * (docs/customerio-beyond.md E), counted from the world's deliveries: a parent's `sent` on a day is
 * the number of its messages whose `sent` falls in that day, and so on for every metric a
 * delivery records. Deleted deliveries still count (deleting a record does not unsend it), so a
 * day's counts change only while events can land in it: today, when an advance adds messages or
 * records a later open, click or conversion. Version 2 counts UTC days; version 1 Eastern days
 * (America/New_York).
 */
import { DAY } from './context.js';
import type { Draw } from './message-draws.js';
import { LATER_METRICS, METRIC_SLOTS } from './message-draws.js';
import type { JsonObject } from './types.js';

/** The 26 series names the vendor documents (E.3); every answer carries all of them. */
export const SERIES_NAMES = [
  'attempted',
  'bounced',
  'clicked',
  'converted',
  'created',
  'deferred',
  'delivered',
  'drafted',
  'failed',
  'human_clicked',
  'human_opened',
  'link_untracked',
  'machine_clicked',
  'open_untracked',
  'opened',
  'prefetch_opened',
  'replied',
  'sent',
  'spammed',
  'suppressed',
  'topic_unsubscribed',
  'tracking_consent_denied',
  'tracking_consent_granted',
  'undeliverable',
  'unsubscribed',
  'untracked',
] as const;

const NAME_INDEX = new Map<string, number>(SERIES_NAMES.map((name, i) => [name, i]));

/**
 * Every fourth campaign or broadcast action is a multi-language message: its events split between a
 * default variant (empty language) and a Spanish one, by the parity of their time. A variant's id
 * is the action's times 100 plus its place.
 */
export const VARIANTS = [
  { language: '', default: true },
  { language: 'es', default: false },
] as const;

export function hasVariants(actionId: number): boolean {
  return actionId % 4 === 0;
}

export function variantId(actionId: number, place: number): number {
  return actionId * 100 + place + 1;
}

/**
 * The tracked links of a parent: one to three, ids from the parent's. A click event belongs to the
 * link its time picks; one in five is a machine's (a scanner), one in seven repeats a person's
 * earlier click (left out of the unique counts).
 */
export function linksOf(kind: MetricsParent, id: number): { id: number; href: string }[] {
  return Array.from({ length: 1 + (id % 3) }, (_, k) => ({
    id: id * 10 + k,
    href: `https://example.com/${kind}/${id}/${['offer', 'docs', 'unsubscribe-help'][k] as string}`,
  }));
}

export const LINK_SERIES = ['clicked', 'human_clicked', 'machine_clicked'] as const;

/** Journey stages (E.3), in the order of their bits. */
export const JOURNEY_STAGES = [
  'started',
  'activated',
  'never_activated',
  'messaged',
  'exited_early',
  'converted',
  'finished',
] as const;

/** The parents whose messages are counted, named like their list resources. */
export type MetricsParent = 'campaigns' | 'broadcasts' | 'newsletters' | 'transactional';

/** One counted event: when (unix seconds) and which series. */
interface SendEvent {
  at: number;
  series: number;
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** Seconds since the Eastern midnight before `t` (unix seconds): the wall clock there. */
function easternSecondsIntoDay(t: number): number {
  const parts = NEW_YORK.formatToParts(new Date(t * 1000));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return get('hour') * 3600 + get('minute') * 60 + get('second');
}

/** Unix seconds of the Eastern midnight that starts the day holding `t`. */
export function easternMidnight(t: number): number {
  // A DST switch at 02:00 can make the wall clock read an hour off midnight's offset; check it.
  let guess = t - easternSecondsIntoDay(t);
  const drift = easternSecondsIntoDay(guess);
  if (drift !== 0) guess -= drift > 12 * 3600 ? drift - DAY : drift;
  return guess;
}

/** The Eastern midnight of the day before the one starting at `midnight`. */
function easternDayBefore(midnight: number): number {
  return easternMidnight(midnight - 1);
}

/** The `days` Eastern days ending with the one holding `now`, oldest first (unix seconds). */
export function easternDays(now: number, days: number): number[] {
  const out: number[] = [];
  let day = easternMidnight(now);
  for (let i = 0; i < days; i++) {
    out.unshift(day);
    day = easternDayBefore(day);
  }
  return out;
}

export function utcMidnight(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

function emptySeries(days: number): number[][] {
  return SERIES_NAMES.map(() => new Array<number>(days).fill(0));
}

function asJson(series: number[][]): JsonObject {
  return Object.fromEntries(SERIES_NAMES.map((name, i) => [name, series[i] as number[]]));
}

/** The events of every parent, rebuilt from the deliveries whenever the world changes. */
export class MetricsIndex {
  private version = -1;
  private events = new Map<string, SendEvent[]>();
  /** Per campaign, one journey per delivery: when it started and the stages it reached (JOURNEY_STAGES bits). */
  private journeys = new Map<number, { at: number; stages: number }[]>();

  constructor(
    private readonly source: { forEachSend(visit: (d: Draw) => void): void },
    private readonly worldVersion: () => number,
  ) {}

  /** `kind:id` for a parent, `kind:parentId:actionId` for an action or content; `variant` splits an action's events in two. */
  private eventsOf(key: string, variant?: number): SendEvent[] {
    if (this.version !== this.worldVersion()) this.rebuild();
    const all = this.events.get(key) ?? [];
    return variant === undefined ? all : all.filter((e) => e.at % VARIANTS.length === variant);
  }

  private rebuild(): void {
    this.version = this.worldVersion();
    this.journeys = this.rebuildJourneys();
    const events = new Map<string, SendEvent[]>();
    this.source.forEachSend((d) => {
      const keys =
        d.campaignId !== null
          ? [`campaigns:${d.campaignId}`, `campaign_actions:${d.campaignId}:${d.actionId}`]
          : d.broadcastId !== null
            ? [`broadcasts:${d.broadcastId}`, `broadcast_actions:${d.broadcastId}:${d.actionId}`]
            : d.newsletterId !== null
              ? [`newsletters:${d.newsletterId}`, `newsletter_contents:${d.newsletterId}:${d.contentId}`]
              : [`transactional:${(d.actionId - 1) / 10}`];
      const lists = keys.map((key) => {
        const list = events.get(key) ?? [];
        events.set(key, list);
        return list;
      });
      const add = (name: string, at: number) => {
        const series = NAME_INDEX.get(name);
        if (series !== undefined) for (const list of lists) list.push({ at, series });
      };
      add('created', d.created);
      for (let slot = 0; slot < METRIC_SLOTS.length; slot++) {
        if (d.has(slot)) add(METRIC_SLOTS[slot] as string, d.metricTimes[slot] as number);
      }
      if (d.later >= 0) add(LATER_METRICS[d.later] as string, d.laterTime);
    });
    this.events = events;
  }

  private rebuildJourneys(): Map<number, { at: number; stages: number }[]> {
    const journeys = new Map<number, { at: number; stages: number }[]>();
    this.source.forEachSend((d) => {
      if (d.campaignId === null) return;
      // Stages from the delivery as created (a later open or click does not reach back into an old cohort).
      const failed = d.has(0);
      const sent = d.has(1);
      const clicked = d.has(5);
      const delivered = d.has(2);
      const reached = [true, !failed, failed, sent, failed, clicked, delivered];
      let stages = 0;
      reached.forEach((yes, bit) => {
        if (yes) stages |= 1 << bit;
      });
      const list = journeys.get(d.campaignId) ?? [];
      list.push({ at: d.created, stages });
      journeys.set(d.campaignId, list);
    });
    return journeys;
  }

  /** A campaign's journey cohorts per UTC day: journeys started that day, and how many reached each stage. */
  journeySeries(campaignId: number, start: number, days: number, now: number): JsonObject {
    if (this.version !== this.worldVersion()) this.rebuild();
    const first = utcMidnight(start);
    const series = JOURNEY_STAGES.map(() => new Array<number>(days).fill(0));
    for (const j of this.journeys.get(campaignId) ?? []) {
      if (j.at > now) continue;
      const i = Math.floor((j.at - first) / DAY);
      if (i < 0 || i >= days) continue;
      JOURNEY_STAGES.forEach((_, bit) => {
        if (j.stages & (1 << bit)) (series[bit] as number[])[i]! += 1;
      });
    }
    return Object.fromEntries(JOURNEY_STAGES.map((name, bit) => [name, series[bit] as number[]]));
  }

  /** Counts per UTC day, `days` days from the UTC day holding `start` (version 2, `res=days`). */
  utcSeries(key: string, start: number, days: number, now: number, variant?: number): JsonObject {
    const first = utcMidnight(start);
    const series = emptySeries(days);
    for (const e of this.eventsOf(key, variant)) {
      if (e.at > now) continue;
      const i = Math.floor((e.at - first) / DAY);
      if (i >= 0 && i < days) (series[e.series] as number[])[i]! += 1;
    }
    return asJson(series);
  }

  /** Each link's click series per Eastern day (link metrics answer like version 1). */
  linkSeries(
    kind: MetricsParent,
    id: number,
    dayStarts: readonly number[],
    now: number,
    unique: boolean,
  ): { link: { id: number; href: string }; metric: JsonObject }[] {
    const links = linksOf(kind, id);
    const clicked = NAME_INDEX.get('clicked');
    const series = links.map(() => LINK_SERIES.map(() => new Array<number>(dayStarts.length).fill(0)));
    const first = dayStarts[0];
    if (first !== undefined) {
      for (const e of this.eventsOf(`${kind}:${id}`)) {
        if (e.series !== clicked || e.at < first || e.at > now) continue;
        if (unique && e.at % 7 === 0) continue;
        let i = dayStarts.length - 1;
        while (i > 0 && e.at < (dayStarts[i] as number)) i--;
        const perLink = series[e.at % links.length] as number[][];
        (perLink[0] as number[])[i]! += 1;
        (perLink[e.at % 5 === 0 ? 2 : 1] as number[])[i]! += 1;
      }
    }
    return links.map((link, l) => ({
      link,
      metric: {
        series: Object.fromEntries(
          LINK_SERIES.map((name, s) => [name, (series[l] as number[][])[s] as number[]]),
        ),
      },
    }));
  }

  /** Counts per Eastern day for the given day starts (oldest first; the last one still filling). */
  easternSeries(key: string, dayStarts: readonly number[], now: number, variant?: number): JsonObject {
    const series = emptySeries(dayStarts.length);
    const first = dayStarts[0];
    if (first === undefined) return asJson(series);
    for (const e of this.eventsOf(key, variant)) {
      if (e.at < first || e.at > now) continue;
      let i = dayStarts.length - 1;
      while (i > 0 && e.at < (dayStarts[i] as number)) i--;
      (series[e.series] as number[])[i]! += 1;
    }
    return asJson(series);
  }
}
