import { afterEach, describe, expect, it } from 'vitest';
import { formatBytes, localKind } from './files';
import { describeUploadError, sendMultipart, setXhrFactory, type XhrLike } from './upload';

type Listener = (e: ProgressEvent) => void;

/** A scripted XMLHttpRequest: the test fires progress, load and error itself. */
class FakeXhr {
  status = 0;
  responseText = '';
  opened: [string, string] | null = null;
  body: FormData | null = null;
  aborted = false;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly uploadListeners = new Map<string, Listener[]>();
  upload = {
    addEventListener: (t: string, fn: Listener) => this.uploadListeners.set(t, [...(this.uploadListeners.get(t) ?? []), fn]),
  };
  addEventListener(t: string, fn: Listener) {
    this.listeners.set(t, [...(this.listeners.get(t) ?? []), fn]);
  }
  open(method: string, url: string) {
    this.opened = [method, url];
  }
  setRequestHeader() {}
  send(body: FormData) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
  }
  progress(loaded: number, total: number) {
    for (const fn of this.uploadListeners.get('progress') ?? []) fn({ lengthComputable: true, loaded, total } as ProgressEvent);
  }
  finish(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    for (const fn of this.listeners.get('load') ?? []) fn({} as ProgressEvent);
  }
  fail() {
    for (const fn of this.listeners.get('error') ?? []) fn({} as ProgressEvent);
  }
}

let xhr: FakeXhr;
function install() {
  setXhrFactory(() => {
    xhr = new FakeXhr();
    return xhr as unknown as XhrLike;
  });
}
afterEach(() => setXhrFactory(null));

describe('sendMultipart', () => {
  it('reports progress, sends the file then the thumb, and resolves with the JSON body', async () => {
    install();
    const seen: number[] = [];
    const p = sendMultipart<{ upload: { id: string } }>(new Blob(['abc']), 'a.webm', {
      thumb: new Blob(['t']),
      onProgress: (l, t) => seen.push(l / t),
    });
    expect(xhr.opened).toEqual(['POST', '/api/uploads']);
    expect([...xhr.body!.keys()]).toEqual(['file', 'thumb']);
    xhr.progress(1, 4);
    xhr.progress(4, 4);
    xhr.finish(201, { upload: { id: 'u1' } });
    await expect(p).resolves.toEqual({ upload: { id: 'u1' } });
    expect(seen).toEqual([0.25, 1]);
  });

  it('turns a refusal into an ApiError with the contract code', async () => {
    install();
    const p = sendMultipart(new Blob(['x']), 'big.png');
    xhr.finish(413, { statusCode: 413, code: 'FILE_TOO_LARGE', error: 'Payload Too Large', message: 'too big' });
    await expect(p).rejects.toMatchObject({ status: 413, code: 'FILE_TOO_LARGE' });
  });

  it('cancel aborts the request, rejects with AbortError and reports no progress after', async () => {
    install();
    const ctl = new AbortController();
    const seen: number[] = [];
    const p = sendMultipart(new Blob(['x']), 'a.png', { signal: ctl.signal, onProgress: (l) => seen.push(l) });
    ctl.abort();
    xhr.progress(1, 1);
    xhr.finish(201, { upload: {} }); // too late: already settled
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(xhr.aborted).toBe(true);
    expect(seen).toEqual([]);
  });

  it('a network failure is a NETWORK ApiError', async () => {
    install();
    const p = sendMultipart(new Blob(['x']), 'a.png');
    xhr.fail();
    await expect(p).rejects.toMatchObject({ status: 0, code: 'NETWORK' });
  });
});

describe('upload helpers', () => {
  it('describes every refusal of the contract', () => {
    expect(describeUploadError('FILE_TOO_LARGE', '')).toMatch(/too big/i);
    expect(describeUploadError('UNSUPPORTED_MEDIA_TYPE', '')).toMatch(/not accepted/);
    expect(describeUploadError('UNSUPPORTED_MEDIA_TYPE', 'HEIC is not supported')).toBe('HEIC is not supported');
    expect(describeUploadError('QUOTA_EXCEEDED', '')).toMatch(/storage is full/);
    expect(describeUploadError('RATE_LIMITED', '', 2500)).toBe('Too many uploads: try again in 3 s');
  });

  it('formats sizes and guesses preview kinds', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
    expect(localKind('image/png')).toBe('image');
    expect(localKind('image/svg+xml')).toBe('file');
    expect(localKind('video/webm')).toBe('video');
    expect(localKind('application/pdf')).toBe('file');
  });
});
