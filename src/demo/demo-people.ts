/**
 * Fictional Brazilian people for the demo: full names with accents, valid
 * CPFs, initiatic numbers and names, e-mails on example domains, phones with
 * the city's area code, addresses, birth dates. Pure: everything comes from
 * the seeded generator it is given, and no two people share a name, CPF,
 * initiatic number or e-mail.
 */
import { daysInMonth } from '../attendance/calendar.ts';
import type { Sex } from '../platform/db/tables.ts';
import type { CreateStudentBody } from '../students/students.schemas.ts';
import { formatCpf, generateCpf } from '../students/cpf.ts';
import type { DemoCity } from './demo-data.ts';
import {
  EMAIL_DOMAINS,
  FEMALE_FIRST_NAMES,
  INITIATIC_NAMES,
  KIN,
  MALE_FIRST_NAMES,
  MEDICAL_NOTES,
  NAME_PARTICLES,
  STREETS,
  SURNAMES,
} from './demo-data.ts';
import type { DemoRandom } from './demo-random.ts';

export interface PersonRequest {
  readonly city: DemoCity;
  /** Years the person may have been first initiated in (their initiatic number). */
  readonly initiationYears: readonly number[];
  /** Birth years, both included. */
  readonly bornBetween: readonly [number, number];
}

const FEMALE_KIN = new Set(['esposa', 'mãe', 'irmã', 'filha', 'companheira']);

export class PeopleFactory {
  private readonly fullNames = new Set<string>();
  private readonly lastNames = new Map<string, number>();
  private readonly cpfs = new Set<string>();
  private readonly emails = new Set<string>();
  private readonly numbersPerYear = new Map<number, number>();
  private readonly initiaticNames: string[];

  constructor(private readonly rng: DemoRandom) {
    this.initiaticNames = rng.shuffle(INITIATIC_NAMES);
  }

  /** A new student record, ready for `StudentsService.create`. */
  person(request: PersonRequest): CreateStudentBody & { sex: Sex; fullName: string } {
    const { rng } = this;
    const sex: Sex = rng.chance(0.55) ? 'F' : 'M';
    const { fullName, first, last } = this.fullName(sex);
    const birthDate = this.birthDate(request.bornBetween);
    const { city } = request;
    return {
      fullName,
      cpf: formatCpf(this.cpf()),
      initiaticNumber: this.initiaticNumber(rng.pick(request.initiationYears)),
      initiaticName: this.initiaticNames.pop() ?? null,
      email: this.email(first, last, birthDate),
      phone: this.mobile(city.ddd),
      secondaryPhone: rng.chance(0.3) ? this.landline(city.ddd) : null,
      birthDate,
      sex,
      address: this.address(city),
      emergencyContacts: this.emergencyContact(city.ddd, last),
      medicalNotes: rng.chance(0.15) ? rng.pick(MEDICAL_NOTES) : null,
    };
  }

  private fullName(sex: Sex): { fullName: string; first: string; last: string } {
    const { rng } = this;
    for (let attempt = 0; ; attempt++) {
      const first = rng.pick(sex === 'F' ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
      const last = rng.pick(SURNAMES);
      // Spread the family names: a third bearer of one is drawn again, a few times.
      if ((this.lastNames.get(last) ?? 0) >= 2 && attempt < 5) continue;
      const parts = [first];
      if (rng.chance(0.6)) {
        const middle = rng.pick(SURNAMES.filter((surname) => surname !== last));
        parts.push(...withParticle(middle, rng.chance(0.35)));
        parts.push(last);
      } else {
        parts.push(...withParticle(last, rng.chance(0.3)));
      }
      const fullName = parts.join(' ');
      if (this.fullNames.has(fullName)) continue;
      this.fullNames.add(fullName);
      this.lastNames.set(last, (this.lastNames.get(last) ?? 0) + 1);
      return { fullName, first, last };
    }
  }

  private cpf(): string {
    for (;;) {
      const cpf = generateCpf((max) => this.rng.int(max));
      if (this.cpfs.has(cpf)) continue;
      this.cpfs.add(cpf);
      return cpf;
    }
  }

  private initiaticNumber(year: number): string {
    const next =
      (this.numbersPerYear.get(year) ?? this.rng.between(3, 40)) + this.rng.between(1, 4);
    this.numbersPerYear.set(year, next);
    return `${year}/${String(next).padStart(3, '0')}`;
  }

  private email(first: string, last: string, birthDate: string): string {
    const domain = this.rng.pick(EMAIL_DOMAINS);
    const firstWord = first.split(' ')[0] ?? first;
    const base = `${asciiLower(firstWord)}.${asciiLower(last)}`;
    // maria.silva, then maria.silva87 (birth year), then maria.silva2, maria.silva3...
    const candidates = [base, `${base}${birthDate.slice(2, 4)}`];
    for (let n = 0; ; n++) {
      const local = candidates[n] ?? `${base}${n}`;
      const email = `${local}@${domain}`;
      if (this.emails.has(email)) continue;
      this.emails.add(email);
      return email;
    }
  }

  private birthDate([from, to]: readonly [number, number]): string {
    const year = this.rng.between(from, to);
    const month = this.rng.between(1, 12);
    const day = this.rng.between(1, daysInMonth(year, month));
    return `${year}-${pad(month, 2)}-${pad(day, 2)}`;
  }

  private mobile(ddd: string): string {
    return `(${ddd}) 9${this.rng.between(6000, 9999)}-${pad(this.rng.int(10_000), 4)}`;
  }

  private landline(ddd: string): string {
    const prefix = `${this.rng.between(2, 3)}${pad(this.rng.int(1000), 3)}`;
    return `(${ddd}) ${prefix}-${pad(this.rng.int(10_000), 4)}`;
  }

  private address(city: DemoCity): string {
    const { rng } = this;
    const flat = rng.chance(0.35) ? `, apto ${rng.between(1, 15)}${rng.between(1, 4)}` : '';
    const cep = `${city.cepPrefix}${pad(rng.int(1000), 3)}-${pad(rng.int(1000), 3)}`;
    return (
      `${rng.pick(STREETS)}, ${rng.between(12, 2400)}${flat} – ${rng.pick(city.neighbourhoods)}, ` +
      `${city.name}/${city.state}, CEP ${cep}`
    );
  }

  private emergencyContact(ddd: string, surname: string): string {
    const kin = this.rng.pick(KIN);
    const first = this.rng.pick(FEMALE_KIN.has(kin) ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES);
    return `${first} ${surname} (${kin}) – ${this.mobile(ddd)}`;
  }
}

/** "Silva" → ["da", "Silva"] when asked, as in "José Carlos da Silva". */
function withParticle(surname: string, isWanted: boolean): string[] {
  if (!isWanted) return [surname];
  const [de = 'de', da = 'da', dos = 'dos'] = NAME_PARTICLES;
  if (surname === 'Santos') return [dos, surname];
  if (['Silva', 'Costa', 'Conceição', 'Rocha', 'Assunção'].includes(surname)) return [da, surname];
  if (['Souza', 'Oliveira', 'Almeida', 'Andrade', 'Freitas', 'Sá'].includes(surname)) {
    return [de, surname];
  }
  return [surname];
}

/** "Conceição" → "conceicao". */
export function asciiLower(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
