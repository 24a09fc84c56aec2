/**
 * What the server and its image worker process (image-worker.ts) say to each other over Node IPC
 * (JSON): one `ImageAnswer` per `ImageJob`, by id. Paths are temp files the server made.
 */
export type ImageJob =
  | { id: number; op: 'reencode'; input: string; format: 'jpeg' | 'png' | 'gif' | 'webp'; output: string; thumb: string; maxPixels: number }
  | { id: number; op: 'thumbnail'; input: string; thumb: string; maxPixels: number }
  | { id: number; op: 'square'; input: string; output: string; maxPixels: number };

export type ImageAnswer =
  | { id: number; ok: true; width: number; height: number }
  | { id: number; ok: false; reason: 'pixels' | 'decode' };

/** Niceness of the worker: the lowest priority, so it yields to the event loop on a shared core. */
export const IMAGE_WORKER_NICE = 19;
/** The argument the worker is forked with (so importing its module never starts one). */
export const IMAGE_WORKER_FLAG = '--rtchat-image-worker';
export const THUMB_PX = 400;
export const SQUARE_PX = 256;
