import { useState, type ReactNode } from 'react';
import { isShowableUrl } from './Avatar';

/**
 * A room's picture inside its icon box (header, sidebar, Discover): the room image when it has
 * one, else the box's own icon (`fallback`), also when the image fails to load. Decorative: the
 * room's name is always written beside it.
 */
export function RoomImage({ url, size, fallback }: { url: string | null | undefined; size: number; fallback: ReactNode }) {
  const [failed, setFailed] = useState<string | null>(null);
  if (!isShowableUrl(url) || failed === url) return <>{fallback}</>;
  return (
    <img
      src={url}
      alt=""
      width={size}
      height={size}
      loading="lazy"
      className="h-full w-full rounded-[inherit] object-cover"
      onError={() => setFailed(url)}
      data-testid="room-image"
    />
  );
}
