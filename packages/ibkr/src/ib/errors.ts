/** Stable codes of Interactive Brokers adapter errors. */
export type IbErrorCode =
  | "IB_CONNECT_TIMEOUT"
  | "IB_CONNECT_FAILED"
  | "IB_CLIENT_ID_IN_USE"
  | "IB_NOT_CONNECTED"
  | "IB_STOPPED"
  | "IB_REQUEST_FAILED"
  | "IB_REQUEST_TIMEOUT"
  | "IB_PACING"
  | "IB_BAD_MESSAGE"
  | "IB_SYNC_TIMEOUT"
  | "IB_SYNC_INCOMPLETE";

/** What an {@link IbError} may carry besides its code and cause. */
export interface IbErrorDetails {
  /** The TWS error code behind this error, when there is one. */
  readonly twsCode?: number;
  /** What the operator can do about it, naming the setting to change (`port`, `clientId`). */
  readonly fix?: string;
  /** The configuration section whose settings made the connection (`broker.ib`, `feed.ib`). */
  readonly setting?: string;
}

/**
 * An error of the IBKR adapter; `code` is stable, `detail` says where and
 * why, `fix` (when known) what to change. The message is all three on one
 * line: `CODE: detail (setting); fix: ...`.
 */
export class IbError extends Error {
  override readonly name = "IbError";
  /** The TWS error code behind this error, when there is one. */
  readonly twsCode: number | undefined;
  readonly fix: string | undefined;
  readonly setting: string | undefined;

  constructor(
    readonly code: IbErrorCode,
    readonly detail: string,
    details: number | IbErrorDetails = {},
  ) {
    const d: IbErrorDetails = typeof details === "number" ? { twsCode: details } : details;
    super(formatIbError(code, detail, d.setting, d.fix));
    this.twsCode = d.twsCode;
    this.fix = d.fix;
    this.setting = d.setting;
  }

  /** The same error, naming the configuration section whose settings were used (`broker.ib`). */
  inSetting(setting: string): IbError {
    return new IbError(this.code, this.detail, {
      ...(this.twsCode !== undefined ? { twsCode: this.twsCode } : {}),
      ...(this.fix !== undefined ? { fix: this.fix } : {}),
      setting,
    });
  }

  /** One line for an operator: the cause, the section and file of the settings (when known) and the fix. */
  line(configFile: string): string {
    const where = this.setting ? `${this.setting} in ${configFile}` : configFile;
    return formatIbError(this.code, this.detail, where, this.fix);
  }
}

function formatIbError(code: IbErrorCode, detail: string, where: string | undefined, fix: string | undefined): string {
  return `${code}: ${detail}${where ? ` (${where})` : ""}${fix ? `; fix: ${fix}` : ""}`;
}
