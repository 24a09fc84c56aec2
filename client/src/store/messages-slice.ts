import { mergeMessages } from '../lib/timeline';
import type { MessagesSlice, MessagesState, SliceCreator, Timeline } from './types';

export const initialMessagesState: MessagesState = { timelines: {} };

/** A room nothing was loaded for yet. */
export const EMPTY_TIMELINE: Timeline = { messages: [], loaded: false, hasMore: true, loadingOlder: false };

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
});
