import { applyTheme, saveTheme, type Theme } from '../lib/theme';
import { useStore } from '../store';
import { MonitorIcon, MoonIcon, SunIcon } from './Icons';

const OPTIONS: Array<{ value: Theme; label: string; Icon: typeof SunIcon }> = [
  { value: 'light', label: 'Light theme', Icon: SunIcon },
  { value: 'dark', label: 'Dark theme', Icon: MoonIcon },
  { value: 'system', label: 'System theme', Icon: MonitorIcon },
];

export function ThemeSwitcher() {
  const theme = useStore((s) => s.theme);
  const setTheme = useStore((s) => s.setTheme);
  const choose = (t: Theme) => {
    setTheme(t);
    saveTheme(t);
    applyTheme(t);
  };
  return (
    <div role="radiogroup" aria-label="Theme" className="inline-flex rounded-lg bg-zinc-100 p-0.5 dark:bg-zinc-800">
      {OPTIONS.map(({ value, label, Icon }) => (
        <button
          key={value}
          type="button"
          role="radio"
          aria-checked={theme === value}
          aria-label={label}
          title={label}
          onClick={() => choose(value)}
          className={`inline-flex h-7 w-8 items-center justify-center rounded-md transition-colors ${
            theme === value
              ? 'bg-white text-zinc-900 shadow-sm dark:bg-zinc-600 dark:text-white'
              : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-white'
          }`}
        >
          <Icon width={16} height={16} />
        </button>
      ))}
    </div>
  );
}
