/**
 * CPF, the Brazilian taxpayer number: nine base digits followed by two check
 * digits, each a weighted sum of the digits before it modulo 11.
 */

const BASE_LENGTH = 9;

// Digits only, or the usual `###.###.###-##` with each separator optional
// (people type "123456789-09" as often as the full form).
const CPF_PATTERN = /^(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})$/;

/** The same shape for request schemas; spaces around are allowed (they are trimmed). */
export const CPF_SCHEMA_PATTERN = '^\\s*\\d{3}\\.?\\d{3}\\.?\\d{3}-?\\d{2}\\s*$';

/**
 * The 11 digits of a CPF written as `12345678909` or `123.456.789-09`
 * (surrounding spaces ignored), or null when the text is not shaped like a
 * CPF. The check digits are not verified here: see `isValidCpf`.
 */
export function normalizeCpf(text: string): string | null {
  const match = CPF_PATTERN.exec(text.trim());
  if (!match) return null;
  return match.slice(1).join('');
}

/**
 * True when the text is a CPF (in either accepted form) whose check digits
 * are right. Eleven equal digits pass the arithmetic but are not issued, so
 * they are refused.
 */
export function isValidCpf(text: string): boolean {
  const cpf = normalizeCpf(text);
  if (cpf === null) return false;
  if (/^(\d)\1{10}$/.test(cpf)) return false;

  const digits = Array.from(cpf, Number);
  const base = digits.slice(0, BASE_LENGTH);
  return checkDigits(base).every((digit, index) => digit === digits[BASE_LENGTH + index]);
}

/**
 * `###.###.###-##`. Throws a RangeError when the text is not shaped like a
 * CPF; the check digits are not verified.
 */
export function formatCpf(text: string): string {
  const cpf = normalizeCpf(text);
  if (cpf === null) throw new RangeError('Not a CPF: expected 11 digits');
  return `${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`;
}

/**
 * A valid CPF (11 digits) from a source of random integers in `[0, max)`,
 * such as `crypto.randomInt`. Never loops, even on a constant source.
 */
export function generateCpf(randomInt: (max: number) => number): string {
  const base = Array.from({ length: BASE_LENGTH }, () => digitFrom(randomInt(10)));
  const [first = 0] = base;
  // Nine equal base digits give eleven equal digits, which isValidCpf refuses.
  if (base.every((digit) => digit === first)) base[BASE_LENGTH - 1] = (first + 1) % 10;
  return [...base, ...checkDigits(base)].join('');
}

/** The two check digits of nine base digits. */
function checkDigits(base: readonly number[]): [number, number] {
  const first = checkDigit(base);
  return [first, checkDigit([...base, first])];
}

// Weights run from length + 1 down to 2; a remainder of 10 counts as 0.
function checkDigit(digits: readonly number[]): number {
  const weightOfFirst = digits.length + 1;
  const sum = digits.reduce((total, digit, index) => total + digit * (weightOfFirst - index), 0);
  return ((sum * 10) % 11) % 10;
}

// Keeps a misbehaving source (negative, fractional, too large) from producing non-digits.
function digitFrom(value: number): number {
  const integer = Math.trunc(Math.abs(value));
  return Number.isFinite(integer) ? integer % 10 : 0;
}
