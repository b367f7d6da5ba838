/** Error shape that crosses every transport (IPC, HTTP, CLI). */
export interface ApiErrorShape {
  code: string;
  message: string;
  details?: unknown;
}

export class AppError extends Error implements ApiErrorShape {
  readonly code: string;
  readonly details?: unknown;
  constructor(code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
  toJSON(): ApiErrorShape {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function toErrorShape(e: unknown): ApiErrorShape {
  if (e instanceof AppError) return e.toJSON();
  if (e && typeof e === 'object' && 'code' in e && 'message' in e && typeof (e as ApiErrorShape).code === 'string' && !('errno' in e)) {
    return { code: (e as ApiErrorShape).code, message: String((e as ApiErrorShape).message), details: (e as ApiErrorShape).details };
  }
  if (e instanceof Error) return { code: 'internal', message: e.message };
  return { code: 'internal', message: String(e) };
}
