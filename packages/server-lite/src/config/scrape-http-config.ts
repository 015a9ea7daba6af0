import { type ConfigProblems, type KeySpec, kebabOrSnakeKeys, readBoolean, readObject, readString } from './config-reader.js';

/** TLS settings for scraping targets or reaching the Kubernetes API. */
export interface TlsConfig {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly serverName?: string;
  /** Default `false`. */
  readonly insecureSkipVerify: boolean;
}

/** HTTP client settings shared by scrape configs and Kubernetes SD configs. At most one credential. */
export interface HttpClientConfig {
  readonly bearerToken?: string;
  readonly bearerTokenFile?: string;
  readonly basicAuth?: { readonly username: string; readonly password?: string; readonly passwordFile?: string };
  readonly tls: TlsConfig;
  /** Default `true`. */
  readonly followRedirects: boolean;
}

export const HTTP_KEYS: readonly KeySpec[] = kebabOrSnakeKeys('tls-config', 'bearer-token', 'bearer-token-file', 'basic-auth', 'follow-redirects');

export const UNSUPPORTED_HTTP: Readonly<Record<string, string>> = {
  authorization: 'not supported by kprof; use bearer-token or bearer-token-file',
  oauth2: 'not supported by kprof; use bearer-token or bearer-token-file',
  proxy_url: 'not supported by kprof',
  'proxy-url': 'not supported by kprof',
};

const TLS_KEYS: readonly KeySpec[] = kebabOrSnakeKeys('ca-file', 'cert-file', 'key-file', 'server-name', 'insecure-skip-verify');

export function parseHttpClientConfig(o: Map<string, unknown>, path: string, problems: ConfigProblems): HttpClientConfig {
  const opt = (key: string): string | undefined => (o.has(key) ? readString(o.get(key), `${path}.${key}`, problems) || undefined : undefined);
  const bearerToken = opt('bearer-token');
  const bearerTokenFile = opt('bearer-token-file');
  if (bearerToken !== undefined && bearerTokenFile !== undefined) problems.add(path, "at most one of 'bearer-token' and 'bearer-token-file' may be set");

  let basicAuth: HttpClientConfig['basicAuth'];
  if (o.has('basic-auth') && o.get('basic-auth') !== null) {
    const bp = `${path}.basic-auth`;
    const b = readObject(o.get('basic-auth'), bp, problems, [{ name: 'username' }, { name: 'password' }, ...kebabOrSnakeKeys('password-file')]);
    if (b !== undefined) {
      const username = readString(b.get('username') ?? null, `${bp}.username`, problems) ?? '';
      const password = b.has('password') ? readString(b.get('password'), `${bp}.password`, problems) || undefined : undefined;
      const passwordFile = b.has('password-file') ? readString(b.get('password-file'), `${bp}.password-file`, problems) || undefined : undefined;
      if (password !== undefined && passwordFile !== undefined) problems.add(bp, "at most one of 'password' and 'password-file' may be set");
      basicAuth = Object.freeze({ username, ...(password ? { password } : {}), ...(passwordFile ? { passwordFile } : {}) });
      if (bearerToken !== undefined || bearerTokenFile !== undefined) problems.add(path, "at most one of 'basic-auth', 'bearer-token' and 'bearer-token-file' may be set");
    }
  }

  let tls: TlsConfig = Object.freeze({ insecureSkipVerify: false });
  if (o.has('tls-config') && o.get('tls-config') !== null) {
    const tp = `${path}.tls-config`;
    const t = readObject(o.get('tls-config'), tp, problems, TLS_KEYS);
    if (t !== undefined) {
      const s = (key: string): string | undefined => (t.has(key) ? readString(t.get(key), `${tp}.${key}`, problems) || undefined : undefined);
      const certFile = s('cert-file');
      const keyFile = s('key-file');
      if ((certFile === undefined) !== (keyFile === undefined)) problems.add(tp, "'cert-file' and 'key-file' must be set together");
      const caFile = s('ca-file');
      const serverName = s('server-name');
      const insecureSkipVerify = t.has('insecure-skip-verify') ? readBoolean(t.get('insecure-skip-verify'), `${tp}.insecure-skip-verify`, problems) ?? false : false;
      tls = Object.freeze({
        insecureSkipVerify,
        ...(caFile ? { caFile } : {}),
        ...(certFile ? { certFile } : {}),
        ...(keyFile ? { keyFile } : {}),
        ...(serverName ? { serverName } : {}),
      });
    }
  }
  const followRedirects = o.has('follow-redirects') ? readBoolean(o.get('follow-redirects'), `${path}.follow-redirects`, problems) ?? true : true;
  return Object.freeze({
    tls,
    followRedirects,
    ...(bearerToken ? { bearerToken } : {}),
    ...(bearerTokenFile ? { bearerTokenFile } : {}),
    ...(basicAuth ? { basicAuth } : {}),
  });
}
