import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './components/ErrorBoundary';
import './index.css';
import { applyTheme, loadTheme, watchSystemTheme } from './lib/theme';
import { useStore } from './store';

const theme = loadTheme();
useStore.getState().setTheme(theme);
applyTheme(theme);
watchSystemTheme(() => useStore.getState().theme);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);
