#!/usr/bin/env node
// `npm start`: bootstrap, then run the main job. Filled in as the server lands.
import { bootstrap } from './bootstrap.mjs';
bootstrap();
