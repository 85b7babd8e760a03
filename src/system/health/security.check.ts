import type { Config } from '../../config/config.ts';
import { verifyPassword } from '../../platform/security/passwords.ts';
import { combine } from './health-report.ts';
import type { CheckStatus, Finding, HealthDeps } from './health-report.ts';

const MIN_SECRET_LENGTH = 32;
const MIN_SECRET_DISTINCT = 8;
const WEAK_SECRETS = new Set(['changeme', 'secret', 'omaum', 'password', 'development']);
// Proxies that mean "trust anyone": client addresses could then be forged.
const TRUST_ANYONE = new Set(['*', 'true', '0.0.0.0/0', '::/0']);
/**
 * Passwords people put on fresh installations (at least 10 characters, the
 * minimum OMAUM accepts). Each active administrator's hash is tried against
 * them; a match means anyone who read a guide can sign in.
 */
const DEFAULT_PASSWORDS = [
  'administrador',
  'admin12345',
  'changeme123',
  'omaum12345',
  'senha12345',
  'password123',
];
// Each try costs one scrypt derivation (tens of milliseconds): bound the work.
const MAX_ADMINS_TRIED = 5;

/**
 * The settings production needs: a strong session secret, secure cookies
 * behind an https:// base address, trusted proxies that are not "anyone",
 * and no administrator with a default or never-changed password. In
 * development the same findings are at most warnings.
 */
export async function checkSecurity(deps: HealthDeps): Promise<Finding> {
  const { config } = deps;
  const items = [...settingsFindings(config), await credentialsFinding(deps)];
  const finding = combine(items, { env: config.env });
  if (config.isProduction || finding.status !== 'fail') return finding;
  return { ...finding, status: 'warn' };
}

/** The configuration alone; what production would refuse is a fail. */
export function settingsFindings(config: Config): Finding[] {
  const bad: CheckStatus = config.isProduction ? 'fail' : 'warn';
  const isHttps = config.baseUrl.startsWith('https://');
  return [
    secretFinding(config, bad),
    isHttps
      ? { status: 'pass', reason: 'endereço https' }
      : { status: bad, reason: `OMAUM_BASE_URL não é https (${config.baseUrl})` },
    config.isProduction && isHttps
      ? { status: 'pass', reason: 'cookies seguros' }
      : { status: bad, reason: 'cookies sem o atributo Secure (só em produção)' },
    proxyFinding(config),
    config.isRateLimitOn
      ? { status: 'pass', reason: 'limites de requisições ativos' }
      : { status: bad, reason: 'OMAUM_RATE_LIMIT=off' },
  ];
}

function secretFinding(config: Config, bad: CheckStatus): Finding {
  const secret = config.sessionSecret;
  if (secret === '') {
    return config.isProduction
      ? { status: 'fail', reason: 'OMAUM_SESSION_SECRET ausente' }
      : { status: 'warn', reason: 'segredo de sessão gerado na pasta de dados (desenvolvimento)' };
  }
  const isWeak =
    secret.length < MIN_SECRET_LENGTH ||
    WEAK_SECRETS.has(secret.toLowerCase()) ||
    new Set(secret).size < MIN_SECRET_DISTINCT;
  return isWeak
    ? { status: bad, reason: 'OMAUM_SESSION_SECRET fraco (use 32+ caracteres aleatórios)' }
    : { status: 'pass', reason: 'segredo de sessão forte' };
}

function proxyFinding(config: Config): Finding {
  const proxies = config.trustProxy;
  if (proxies.some((proxy) => TRUST_ANYONE.has(proxy.toLowerCase()))) {
    return { status: 'fail', reason: 'OMAUM_TRUST_PROXY confia em qualquer endereço' };
  }
  if (proxies.length === 0) {
    return config.isProduction
      ? { status: 'warn', reason: 'OMAUM_TRUST_PROXY vazio: atrás de um proxy, defina-o' }
      : { status: 'pass', reason: 'nenhum proxy confiável' };
  }
  return { status: 'pass', reason: `proxies confiáveis: ${proxies.join(', ')}` };
}

async function credentialsFinding(deps: HealthDeps): Promise<Finding> {
  if (deps.database === null) {
    return { status: 'warn', reason: 'credenciais não verificadas (banco indisponível)' };
  }
  const admins = await deps.database.db
    .selectFrom('users')
    .select(['email', 'passwordHash', 'mustChangePassword'])
    .where('role', '=', 'admin')
    .where('isActive', '=', true)
    .orderBy('id')
    .limit(MAX_ADMINS_TRIED)
    .execute();

  const withDefault: string[] = [];
  // A password OMAUM generated and nobody has changed yet is random: no need to try.
  for (const admin of admins.filter((candidate) => !candidate.mustChangePassword)) {
    for (const password of DEFAULT_PASSWORDS) {
      if (await verifyPassword(password, admin.passwordHash)) withDefault.push(admin.email);
    }
  }
  if (withDefault.length > 0) {
    return { status: 'fail', reason: `administrador com senha padrão: ${withDefault.join(', ')}` };
  }
  const unchanged = admins.filter((admin) => admin.mustChangePassword).map((a) => a.email);
  if (unchanged.length > 0) {
    return { status: 'warn', reason: `senha inicial ainda não trocada: ${unchanged.join(', ')}` };
  }
  return { status: 'pass', reason: 'nenhuma credencial padrão' };
}
