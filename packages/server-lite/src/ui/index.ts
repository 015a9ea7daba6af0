export { createUiHandler, type UiHandler, type UiHandlerOptions } from './serve-ui.js';
