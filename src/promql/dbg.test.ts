import { it } from 'vitest';
import { Engine } from './index.js';
import { MemoryStorage } from './testing/memory-storage.js';
it('x', () => {
  const s = new MemoryStorage();
  s.append([{name:'__name__',value:'http_requests'},{name:'instance',value:'1'}], 0, 5);
  const e = new Engine();
  console.log(JSON.stringify(e.instantQuery(s, '{__name__=~"http_.*", instance="1"}', 0)));
  console.log(JSON.stringify(e.instantQuery(s, '{__name__=~"http_.*"}', 0)));
  console.log(JSON.stringify(e.instantQuery(s, 'http_requests{instance="1"}', 0)));
});
