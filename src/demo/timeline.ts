/**
 * The demo's audit log, day by day: sign-ins in working hours with occasional failures, keys created
 * then rotated or deleted, projects created then archived, invites sent then accepted, role changes,
 * rate-limit updates, and the rarer episodes of episodes.ts. Events come out one day at a time, in
 * time order, with deterministic ids (so a second run of the same demo is an idempotent no-op).
 */
import { type DetailsContext, detailsFor } from './details.js';
import { EPISODES, type Episode } from './episodes.js';
import { type ApiKey, type DemoOrganization, makeId, type Person, type Project } from './organization.js';
import { encodeTime, type Prng } from './prng.js';

export const DAY = 86400;
const HOUR = 3600;

export type DemoEvent = Record<string, unknown> & { id: string; type: string; effective_at: number };

type Action = () => void;

export class AuditTimeline {
  /** Every key that ever exists; usage draws on those alive on a day. */
  readonly keys: ApiKey[];
  private readonly buckets = new Map<number, DemoEvent[]>();
  private readonly actions = new Map<number, Action[]>();
  private currentDay = 0;
  private readonly ms = new Map<number, number>();

  constructor(
    private readonly rng: Prng,
    private readonly org: DemoOrganization,
    /** Unix seconds of the first day's midnight (UTC). */
    readonly start: number,
    readonly days: number,
    /** Events at or after this instant are not emitted (the demo ends "now"). */
    readonly end: number,
  ) {
    this.keys = [...org.initialKeys];
    for (const key of org.initialKeys) this.decideFate(key);
    this.scheduleEpisodes();
  }

  /** The events of day `d` (0-based), in time order. Call for d = 0, 1, 2, ... */
  day(d: number): DemoEvent[] {
    this.currentDay = d;
    for (const action of this.actions.get(d) ?? []) action();
    this.actions.delete(d);
    this.everyday(d);
    const events = this.buckets.get(d) ?? [];
    this.buckets.delete(d);
    events.sort((a, b) => a.effective_at - b.effective_at);
    return events;
  }

  isMember(p: Person, d: number): boolean {
    return p.joinsOnDay < d && (p.leavesOnDay === null || d < p.leavesOnDay);
  }

  projectActive(p: Project, d: number): boolean {
    return p.createdOnDay <= d && (p.archivedOnDay === null || d < p.archivedOnDay);
  }

  keyActive(k: ApiKey, d: number): boolean {
    const project = this.org.projects.find((p) => p.id === k.projectId);
    return k.createdOnDay <= d && (k.retiredOnDay === null || d < k.retiredOnDay) && (!project || this.projectActive(project, d));
  }

  // --- the everyday flows -------------------------------------------------------------------

  private everyday(d: number): void {
    const dayStart = this.start + d * DAY;
    const weekday = new Date(dayStart * 1000).getUTCDay();
    const workday = weekday !== 0 && weekday !== 6;
    const rng = this.rng;

    for (const p of this.org.people) {
      if (p.joinsOnDay === d) this.join(p, d);
      if (p.leavesOnDay === d) this.leave(p, d);
      if (!this.isMember(p, d) || !rng.chance(workday ? 0.72 : 0.05)) continue;
      const t = this.local(dayStart, p, 7.5 + Math.abs(rng.gaussian()) * 1.6);
      if (rng.chance(0.03)) this.emit(t - rng.int(20, 600), 'login.failed', this.session(p), {});
      this.emit(t, 'login.succeeded', this.session(p), {});
      if (rng.chance(0.15)) this.emit(this.local(dayStart, p, 13 + rng.next() * 2), 'login.succeeded', this.session(p), {});
      if (rng.chance(0.3)) this.emit(this.local(dayStart, p, 16 + rng.next() * 3), 'logout.succeeded', this.session(p), {});
      else if (rng.chance(0.004)) this.emit(this.local(dayStart, p, 17 + rng.next()), 'logout.failed', this.session(p), {});
    }
    if (!workday) return;

    for (const project of this.org.projects) {
      if (project.createdOnDay === d) this.createProject(project, d);
      if (project.archivedOnDay === d) this.archiveProject(project, d);
    }
    const size = this.org.people.length;
    for (let i = rng.poisson(size / 60); i > 0; i--) {
      const projects = this.org.projects.filter((p) => this.projectActive(p, d));
      const people = this.org.people.filter((p) => this.isMember(p, d) && p.role !== 'reader');
      if (projects.length === 0 || people.length === 0) break;
      const owner = rng.pick(people);
      const key: ApiKey = {
        id: makeId(rng, 'key_', 16),
        projectId: rng.pick(projects).id,
        owner: { type: 'user', person: owner },
        createdOnDay: d,
        retiredOnDay: null,
      };
      this.createKey(key, this.session(owner), this.local(dayStart, owner, 9 + rng.next() * 8));
    }
    if (rng.chance(Math.min(0.9, size / 800))) {
      const admin = this.owner(d);
      const subject = rng.pick(this.org.people.filter((p) => this.isMember(p, d) && p.role !== 'owner'));
      if (admin && subject) {
        subject.role = subject.role === 'reader' ? 'member' : rng.chance(0.15) ? 'owner' : 'reader';
        this.emit(this.local(dayStart, admin, 10 + rng.next() * 6), 'user.updated', this.session(admin), this.details('user.updated', { subject }));
      }
    }
    if (rng.chance(Math.min(0.9, size / 1000))) {
      const admin = this.owner(d);
      const projects = this.org.projects.filter((p) => this.projectActive(p, d));
      if (admin && projects.length > 0) {
        const project = rng.pick(projects);
        this.emit(
          this.local(dayStart, admin, 10 + rng.next() * 6),
          'rate_limit.updated',
          this.session(admin),
          this.details('rate_limit.updated', { project }),
          project,
        );
      }
    }
  }

  private join(p: Person, d: number): void {
    const admin = this.owner(d);
    const joinedAt = this.local(this.start + d * DAY, p, 9 + this.rng.next() * 4);
    const ids = { invite: makeId(this.rng, 'invite-') };
    if (admin) {
      const sentAt = Math.max(this.start, joinedAt - this.rng.int(2, 96) * HOUR);
      this.emit(sentAt, 'invite.sent', this.session(admin), this.details('invite.sent', { subject: p }, ids));
    }
    this.emit(joinedAt, 'invite.accepted', this.session(p), this.details('invite.accepted', { subject: p }, ids));
    this.emit(joinedAt + 1, 'user.added', this.session(p), this.details('user.added', { subject: p }));
    this.emit(joinedAt + 2, 'login.succeeded', this.session(p), {});
  }

  private leave(p: Person, d: number): void {
    const admin = this.owner(d);
    if (!admin) return;
    const at = this.local(this.start + d * DAY, admin, 15 + this.rng.next() * 2);
    this.emit(at, 'user.deleted', this.session(admin), this.details('user.deleted', { subject: p }));
    for (const key of this.keys)
      if (key.owner.type === 'user' && key.owner.person === p && this.keyActive(key, d)) this.deleteKey(key, this.session(admin), at + 30);
  }

  private createProject(project: Project, d: number): void {
    const admin = this.owner(d);
    if (!admin) return;
    const at = this.local(this.start + d * DAY, admin, 10 + this.rng.next() * 5);
    const actor = this.session(admin);
    this.emit(at, 'project.created', actor, this.details('project.created', { project }), project);
    for (const account of this.org.serviceAccounts.filter((s) => s.projectId === project.id)) {
      this.emit(at + 300, 'service_account.created', actor, this.details('service_account.created', { project }, { svc: account.id }), project);
      this.createKey(
        { id: makeId(this.rng, 'key_', 16), projectId: project.id, owner: { type: 'service_account', account }, createdOnDay: d, retiredOnDay: null },
        actor,
        at + 301,
      );
    }
    if (this.rng.chance(0.3)) this.later(d + this.rng.int(1, 10), (day) => this.emitOwned(day, 'project.updated', project));
  }

  private archiveProject(project: Project, d: number): void {
    const admin = this.owner(d);
    if (!admin) return;
    const at = this.local(this.start + d * DAY, admin, 11 + this.rng.next() * 5);
    const actor = this.session(admin);
    this.emit(at, 'project.archived', actor, this.details('project.archived', { project }), project);
    for (const account of this.org.serviceAccounts.filter((s) => s.projectId === project.id))
      this.emit(at + 60, 'service_account.deleted', actor, this.details('service_account.deleted', { project }, { svc: account.id }), project);
    for (const key of this.keys) if (key.projectId === project.id && key.retiredOnDay === null) key.retiredOnDay = d;
  }

  private createKey(key: ApiKey, actor: Record<string, unknown>, at: number): void {
    if (!this.keys.includes(key)) this.keys.push(key);
    const project = this.projectOf(key);
    this.emit(at, 'api_key.created', actor, this.details('api_key.created', { project }, { key: key.id }), project);
    this.decideFate(key);
  }

  private deleteKey(key: ApiKey, actor: Record<string, unknown>, at: number): void {
    key.retiredOnDay = Math.floor((at - this.start) / DAY);
    const project = this.projectOf(key);
    this.emit(at, 'api_key.deleted', actor, this.details('api_key.deleted', { project }, { key: key.id }), project);
  }

  /** Most keys live on; some are rotated (a new key, the old one deleted), narrowed or deleted. */
  private decideFate(key: ApiKey): void {
    const rng = this.rng;
    const from = Math.max(0, key.createdOnDay);
    const r = rng.next();
    if (r < 0.22) {
      this.later(from + rng.int(14, 60), (d) => {
        if (!this.keyActive(key, d)) return;
        const actor = this.keyCreator(key, d);
        if (!actor) return;
        const at = this.start + d * DAY + rng.int(14 * HOUR, 20 * HOUR);
        const next: ApiKey = { ...key, id: makeId(rng, 'key_', 16), createdOnDay: d, retiredOnDay: null };
        this.createKey(next, actor, at);
        this.deleteKey(key, actor, at + rng.int(600, 7200));
      });
    } else if (r < 0.3) {
      this.later(from + rng.int(2, 30), (d) => {
        const actor = this.keyCreator(key, d);
        if (actor && this.keyActive(key, d))
          this.emit(
            this.start + d * DAY + rng.int(14 * HOUR, 20 * HOUR),
            'api_key.updated',
            actor,
            this.details('api_key.updated', { project: this.projectOf(key) }, { key: key.id }),
            this.projectOf(key),
          );
      });
    } else if (r < 0.42) {
      this.later(from + rng.int(5, 80), (d) => {
        const actor = this.keyCreator(key, d);
        if (actor && this.keyActive(key, d)) this.deleteKey(key, actor, this.start + d * DAY + rng.int(14 * HOUR, 21 * HOUR));
      });
    }
  }

  private keyCreator(key: ApiKey, d: number): Record<string, unknown> | null {
    if (key.owner.type === 'user' && this.isMember(key.owner.person, d)) return this.session(key.owner.person);
    const admin = this.owner(d);
    return admin ? this.session(admin) : null;
  }

  private emitOwned(d: number, type: string, project: Project): void {
    const admin = this.owner(d);
    if (admin && this.projectActive(project, d))
      this.emit(this.local(this.start + d * DAY, admin, 10 + this.rng.next() * 6), type, this.session(admin), this.details(type, { project }), project);
  }

  // --- episodes -------------------------------------------------------------------------------

  private scheduleEpisodes(): void {
    // Extra runs may fall on any minute of the last day and are cut at `end` like everything else; the
    // guaranteed first run ends before the last midnight (so every type appears at any minute of the
    // day), or, in a one-day demo, before the last full hour. Neither depends on the minute the demo runs.
    const fullSpan = this.days * DAY;
    const sureSpan = this.days > 1 ? (this.days - 1) * DAY : Math.max(HOUR, Math.floor((this.end - this.start) / HOUR) * HOUR);
    for (const episode of EPISODES) {
      const runs = 1 + this.rng.poisson((episode.perMonth * this.days) / 30);
      for (let i = 0; i < runs; i++) {
        const span = i === 0 ? sureSpan : fullSpan;
        const gaps = episode.steps.map(([, hours]) => hours * HOUR * (0.5 + this.rng.next()));
        const total = gaps.reduce((a, b) => a + b, 0);
        // Long stories in a short demo are told faster, so each still fits the window.
        const scale = total > span * 0.8 ? (span * 0.8) / total : 1;
        const first = this.start + Math.floor(this.rng.next() * Math.max(1, span - total * scale - 60));
        const day = Math.floor((first - this.start) / DAY);
        this.later(day, () =>
          this.runEpisode(
            episode,
            first,
            gaps.map((g) => Math.max(1, Math.round(g * scale))),
          ),
        );
      }
    }
  }

  private runEpisode(episode: Episode, first: number, gaps: number[]): void {
    const d = Math.floor((first - this.start) / DAY);
    const admin = this.owner(d);
    if (!admin) return;
    const projects = this.org.projects.filter((p) => this.projectActive(p, d));
    const project = this.rng.pick(projects.length > 0 ? projects : this.org.projects);
    const subject = this.transientPerson();
    const ids: Record<string, string> = {};
    const actor = this.session(admin);
    let at = first;
    episode.steps.forEach(([type], i) => {
      at += gaps[i] as number;
      const who = type === 'invite.accepted' || type === 'user.added' || type === 'tenant.membership.accepted' ? this.session(subject) : actor;
      const details = this.details(type, { subject, project }, ids);
      if (type.startsWith('project.')) this.emit(at, type, who, details, project);
      else this.emit(at, type, who, details, episode.projectScoped ? project : undefined);
    });
  }

  /** Someone outside the cast (a contractor, a partner) for stories about a person coming and going. */
  private transientPerson(): Person {
    const rng = this.rng;
    const local = `${rng.pick(['contractor', 'partner', 'consultant', 'intern'])}.${rng.base32(4)}`;
    return {
      id: makeId(rng, 'user-'),
      name: local,
      email: `${local}@${this.org.domain}`,
      role: 'member',
      utcOffset: 0,
      ip: `198.51.100.${rng.int(1, 254)}`,
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      joinsOnDay: -1,
      leavesOnDay: null,
      activity: 0,
    };
  }

  // --- helpers --------------------------------------------------------------------------------

  private later(day: number, action: (day: number) => void): void {
    if (day >= this.days) return;
    const d = Math.max(day, this.currentDay);
    const list = this.actions.get(d) ?? [];
    list.push(() => action(d));
    this.actions.set(d, list);
  }

  private owner(d: number): Person | null {
    const owners = this.org.people.filter((p) => p.role === 'owner' && this.isMember(p, d));
    return owners.length > 0 ? this.rng.pick(owners) : null;
  }

  private projectOf(key: ApiKey): Project {
    return this.org.projects.find((p) => p.id === key.projectId) as Project;
  }

  /** Unix seconds of a local hour (fractional) of the person's day. */
  private local(dayStart: number, p: Person, hour: number): number {
    return dayStart + Math.round((hour - p.utcOffset) * HOUR);
  }

  session(p: Person): Record<string, unknown> {
    return { type: 'session', session: { user: { id: p.id, email: p.email }, ip_address: p.ip, user_agent: p.userAgent } };
  }

  private details(type: string, parts: { subject?: Person; project?: Project }, ids: Record<string, string> = {}): Record<string, unknown> {
    const rng = this.rng;
    const org = this.org;
    const ctx: DetailsContext = {
      rng,
      domain: org.domain,
      subject: parts.subject ?? (org.people[0] as Person),
      project: parts.project ?? (org.projects[0] as Project),
      projects: org.projects,
      id(name, prefix) {
        ids[name] ??= name === 'org' ? `org-${org.domain.split('.')[0]}` : makeId(rng, prefix, 20);
        return ids[name];
      },
    };
    return detailsFor(type, ctx);
  }

  private emit(at: number, type: string, actor: Record<string, unknown>, details: Record<string, unknown>, project?: Project): void {
    const t = Math.max(this.start, Math.round(at));
    // The id is drawn even for events after `end`, so the same day's demo has the same ids at any minute.
    const second = this.ms.get(t) ?? 0;
    this.ms.set(t, second + 1);
    const id = `audit_log-${encodeTime(t * 1000 + (second % 1000))}${this.rng.base32(16)}`;
    if (t >= this.end) return;
    const event: DemoEvent = { id, type, effective_at: t, actor };
    if (project) event.project = { id: project.id, name: project.name };
    event[type] = details;
    const bucket = Math.max(this.currentDay, Math.floor((t - this.start) / DAY));
    const list = this.buckets.get(bucket) ?? [];
    list.push(event);
    this.buckets.set(bucket, list);
  }
}
