import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import './app/app.css';
import { registerServiceWorker } from './app/registerServiceWorker';
import { backendOrderFromUrl, startWorker } from './state/workerActions';

void startWorker(backendOrderFromUrl(window.location.search));
registerServiceWorker();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
