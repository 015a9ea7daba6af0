import { describe, expect, it } from 'vitest';
import type { PushAuth } from './auth-headers.js';
import { buildAuthHeaders, describeAuth } from './auth-headers.js';

describe('buildAuthHeaders', () => {
  it.each<{ name: string; auth: PushAuth; headers: Record<string, string>; summary: ReturnType<typeof describeAuth> }>([
    { name: 'nothing', auth: {}, headers: {}, summary: { auth: 'none', tenant: false } },
    { name: 'bearer', auth: { authToken: 'glc_abc' }, headers: { authorization: 'Bearer glc_abc' }, summary: { auth: 'bearer', tenant: false } },
    {
      name: 'bearer wins over basic',
      auth: { authToken: 't', basicAuth: { user: 'u', password: 'p' } },
      headers: { authorization: 'Bearer t' },
      summary: { auth: 'bearer', tenant: false },
    },
    {
      name: 'basic, UTF-8 password with colon',
      auth: { basicAuth: { user: '12345', password: 'pä:ss' } },
      headers: { authorization: `Basic ${Buffer.from('12345:pä:ss', 'utf8').toString('base64')}` },
      summary: { auth: 'basic', tenant: false },
    },
    {
      name: 'tenant only',
      auth: { tenantId: 'team-a' },
      headers: { 'x-scope-orgid': 'team-a' },
      summary: { auth: 'none', tenant: true },
    },
    {
      name: 'empty strings count as unset',
      auth: { authToken: '', tenantId: '', basicAuth: { user: '', password: '' } },
      headers: {},
      summary: { auth: 'none', tenant: false },
    },
  ])('$name', ({ auth, headers, summary }) => {
    expect(buildAuthHeaders(auth)).toEqual(headers);
    expect(describeAuth(auth)).toEqual(summary);
  });

  it.each([
    { name: 'CRLF in token', auth: { authToken: 'a\r\nb' } },
    { name: 'NUL in tenant', auth: { tenantId: 'a\u0000' } },
    { name: 'LF in password', auth: { basicAuth: { user: 'u', password: 'p\n' } } },
  ])('refuses $name', ({ auth }) => {
    expect(() => buildAuthHeaders(auth)).toThrow(expect.objectContaining({ code: 'KPROF_EXPORT_INVALID_AUTH' }));
  });
});
