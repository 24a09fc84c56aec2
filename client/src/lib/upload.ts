import { ApiError } from './api';
import type { Attachment, ErrorBody } from './wire';

/**
 * Uploads over XMLHttpRequest, the only browser API that reports upload progress. One file per
 * request (`POST /api/uploads`, part `file`, an optional `thumb` part: a video's poster frame).
 * Invariants: the promise settles exactly once; a cancel (the signal) rejects with an AbortError
 * DOMException and never reports progress after it; every failure is an ApiError with the
 * contract's code (NETWORK when nothing came back).
 */

export interface UploadOptions {
  /** Bytes sent so far and the total, as the browser reports them. */
  onProgress?: (loaded: number, total: number) => void;
  signal?: AbortSignal;
  /** A poster frame sent as the `thumb` part (videos). */
  thumb?: Blob;
  /** Where to send it: uploads by default, avatar and room-image routes take `method: 'PUT'`. */
  url?: string;
  method?: 'POST' | 'PUT';
}

/** The XMLHttpRequest surface this module uses, so tests can give a fake. */
export type XhrLike = Pick<
  XMLHttpRequest,
  'open' | 'send' | 'abort' | 'setRequestHeader' | 'status' | 'responseText' | 'addEventListener'
> & { upload: Pick<XMLHttpRequestUpload, 'addEventListener'> };

let makeXhr: () => XhrLike = () => new XMLHttpRequest();
/** Tests replace the XMLHttpRequest factory (null restores the browser's). */
export function setXhrFactory(fn: (() => XhrLike) | null): void {
  makeXhr = fn ?? (() => new XMLHttpRequest());
}

function errorOf(status: number, text: string): ApiError {
  let body: Partial<ErrorBody> = {};
  try {
    body = JSON.parse(text) as Partial<ErrorBody>;
  } catch {
    /* not JSON: a proxy's page */
  }
  return new ApiError(status, body.code ?? `HTTP_${status}`, body.message ?? 'Upload failed', body.retryAfterMs);
}

/** Sends one multipart request and resolves with the JSON body of a 2xx answer. */
export function sendMultipart<T>(file: Blob, name: string, opts: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    const xhr = makeXhr();
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      xhr.abort();
      settle(() => reject(new DOMException('Upload cancelled', 'AbortError')));
    };
    opts.signal?.addEventListener('abort', onAbort);
    xhr.upload.addEventListener('progress', (e) => {
      if (!settled && e.lengthComputable) opts.onProgress?.(e.loaded, e.total);
    });
    xhr.addEventListener('load', () => {
      const { status, responseText } = xhr;
      if (status >= 200 && status < 300) {
        try {
          settle(() => resolve(JSON.parse(responseText) as T));
        } catch {
          settle(() => reject(new ApiError(status, 'BAD_RESPONSE', 'The server answered something unexpected.')));
        }
      } else settle(() => reject(errorOf(status, responseText)));
    });
    const network = () => settle(() => reject(new ApiError(0, 'NETWORK', 'Could not reach the server. Check your connection.')));
    xhr.addEventListener('error', network);
    xhr.addEventListener('timeout', network);
    const form = new FormData();
    // The contract's order: `file`, then a video's `thumb`.
    form.append('file', file, name);
    if (opts.thumb) form.append('thumb', opts.thumb, 'poster.webp');
    xhr.open(opts.method ?? 'POST', opts.url ?? '/api/uploads');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.send(form);
  });
}

export async function uploadFile(file: File, opts: UploadOptions = {}): Promise<Attachment> {
  const res = await sendMultipart<{ upload: Attachment }>(file, file.name, opts);
  return res.upload;
}

/** What the user reads on a refused file, by the contract's error code. */
export function describeUploadError(code: string, message: string, retryAfterMs?: number): string {
  switch (code) {
    case 'FILE_TOO_LARGE':
      return 'Too big to upload';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return message && message !== 'Upload failed' ? message : 'This type of file is not accepted';
    case 'QUOTA_EXCEEDED':
      return 'Your storage is full: delete old files first';
    case 'RATE_LIMITED': {
      const secs = retryAfterMs ? Math.max(1, Math.ceil(retryAfterMs / 1000)) : null;
      return secs ? `Too many uploads: try again in ${secs} s` : 'Too many uploads: try again in a moment';
    }
    case 'NETWORK':
      return 'Upload failed: check your connection';
    default:
      return message || 'Upload failed';
  }
}
