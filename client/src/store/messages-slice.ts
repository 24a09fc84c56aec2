import { mergeMessages } from '../lib/timeline';
import type { MessagesSlice, MessagesState, SliceCreator, Timeline } from './types';

export const initialMessagesState: MessagesState = { timelines: {} };

/** A room nothing was loaded for yet. */
export const EMPTY_TIMELINE: Timeline = {
  messages: [],
  loaded: false,
  hasMore: true,
  loadingOlder: false,
  appliedSeq: 0,
  window: null,
};

export const createMessagesSlice: SliceCreator<MessagesSlice, MessagesState> = (set, get) => ({
  ...initialMessagesState,
  prependPage: (roomId, page, hasMore) => {
    const timeline = get().timelines[roomId] ?? EMPTY_TIMELINE;
    set((s) => ({
      timelines: {
        ...s.timelines,
        [roomId]: { ...timeline, messages: mergeMessages(timeline.messages, page), hasMore, loadingOlder: false },
      },
    }));
  },
  setLoadingOlder: (roomId, loading) => {
    const timeline = get().timelines[roomId] ?? EMPTY_TIMELINE;
    set((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, loadingOlder: loading } } }));
  },
  openWindow: (roomId, messages, hasOlder, hasNewer) => {
    const timeline = get().timelines[roomId] ?? EMPTY_TIMELINE;
    const window = { messages: mergeMessages([], messages), hasOlder, hasNewer, loading: false };
    set((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, window } } }));
  },
  extendWindow: (roomId, page, side, hasMore) => {
    const timeline = get().timelines[roomId];
    if (!timeline?.window) return;
    const w = timeline.window;
    const window = {
      messages: mergeMessages(w.messages, page),
      hasOlder: side === 'older' ? hasMore : w.hasOlder,
      hasNewer: side === 'newer' ? hasMore : w.hasNewer,
      loading: false,
    };
    set((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, window } } }));
  },
  setWindowLoading: (roomId, loading) => {
    const timeline = get().timelines[roomId];
    if (!timeline?.window) return;
    set((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, window: { ...timeline.window!, loading } } } }));
  },
  closeWindow: (roomId) => {
    const timeline = get().timelines[roomId];
    if (!timeline?.window) return;
    set((s) => ({ timelines: { ...s.timelines, [roomId]: { ...timeline, window: null } } }));
  },
});
