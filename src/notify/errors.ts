/** A template that does not compile or cannot be read; found when the worker starts. */
export class TemplateInvalid extends Error {
  readonly type = 'TemplateInvalid';
  constructor(readonly where: string, detail: string) {
    super(`template ${where}: ${detail}`);
    this.name = 'TemplateInvalid';
  }
}

/** A channel setting only the worker can check (a URL read from the environment); found when the worker starts. */
export class ChannelMisconfigured extends Error {
  readonly type = 'ChannelMisconfigured';
  constructor(readonly where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.name = 'ChannelMisconfigured';
  }
}

/** The receiver refused the notification for good (a 4xx other than 408/429, a rejected recipient): retrying cannot help. */
export class NotificationRejected extends Error {
  readonly type = 'NotificationRejected';
  constructor(readonly channel: string, detail: string) {
    super(`channel ${channel} rejected the notification: ${detail}`);
    this.name = 'NotificationRejected';
  }
}

/** The receiver could not be reached or answered with a passing failure: retried by the activity's policy. */
export class NotificationFailed extends Error {
  readonly type = 'NotificationFailed';
  constructor(readonly channel: string, detail: string) {
    super(`channel ${channel} failed: ${detail}`);
    this.name = 'NotificationFailed';
  }
}

/** The workflow named a channel this worker's config does not have (renamed or removed since). */
export class UnknownChannel extends Error {
  readonly type = 'UnknownChannel';
  constructor(readonly channel: string) {
    super(`no notification channel ${channel} is configured on this worker`);
    this.name = 'UnknownChannel';
  }
}

/** Error types the workflow does not retry. */
export const PERMANENT_NOTIFICATION_ERRORS = ['NotificationRejected', 'UnknownChannel'] as const;
