import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
  CPF_SCHEMA_PATTERN,
  formatCpf,
  generateCpf,
  isValidCpf,
  normalizeCpf,
} from '../../src/students/cpf.ts';

// Valid CPFs whose check digits were worked out by hand.
const VALID = ['52998224725', '11144477735', '12345678909', '00000000191'];

describe('normalizeCpf', () => {
  it('keeps eleven digits as they are', () => {
    assert.equal(normalizeCpf('52998224725'), '52998224725');
  });

  it('removes the usual punctuation', () => {
    assert.equal(normalizeCpf('529.982.247-25'), '52998224725');
  });

  it('accepts the punctuation partly left out', () => {
    for (const text of ['529982247-25', '529.982.24725', '529982.247-25']) {
      assert.equal(normalizeCpf(text), '52998224725', text);
    }
  });

  it('ignores spaces around the number', () => {
    assert.equal(normalizeCpf('  529.982.247-25\t'), '52998224725');
  });

  it('does not check the check digits', () => {
    assert.equal(normalizeCpf('529.982.247-26'), '52998224726');
  });

  it('returns null for text that is not shaped like a CPF', () => {
    const wrong = [
      '',
      '   ',
      '5299822472',
      '529982247250',
      '529.982.247-2',
      '529-982-247.25',
      '529 982 247 25',
      '529..982.247-25',
      '5299822472a',
      'abc.def.ghi-jk',
      '٥٢٩٩٨٢٢٤٧٢٥',
    ];
    for (const text of wrong) assert.equal(normalizeCpf(text), null, JSON.stringify(text));
  });
});

describe('isValidCpf', () => {
  it('accepts CPFs with right check digits, with or without punctuation', () => {
    for (const cpf of VALID) {
      assert.equal(isValidCpf(cpf), true, cpf);
      assert.equal(isValidCpf(formatCpf(cpf)), true, cpf);
    }
  });

  it('refuses every other value of the first check digit', () => {
    for (const cpf of VALID) {
      for (const wrong of otherDigits(cpf, 9)) assert.equal(isValidCpf(wrong), false, wrong);
    }
  });

  it('refuses every other value of the second check digit', () => {
    for (const cpf of VALID) {
      for (const wrong of otherDigits(cpf, 10)) assert.equal(isValidCpf(wrong), false, wrong);
    }
  });

  it('refuses eleven equal digits although their check digits add up', () => {
    for (let digit = 0; digit <= 9; digit += 1) {
      const cpf = String(digit).repeat(11);
      assert.equal(isValidCpf(cpf), false, cpf);
      assert.equal(isValidCpf(formatCpf(cpf)), false, cpf);
    }
  });

  it('refuses text that is not shaped like a CPF', () => {
    for (const text of ['', '5299822472', '529982247250', 'not a cpf']) {
      assert.equal(isValidCpf(text), false, text);
    }
  });

  it('treats a remainder of 10 as check digit 0', () => {
    // 123456789: the first check digit's remainder is 10.
    assert.equal(isValidCpf('12345678909'), true);
    assert.equal(isValidCpf('12345678919'), false);
  });
});

describe('formatCpf', () => {
  it('writes ###.###.###-##', () => {
    assert.equal(formatCpf('52998224725'), '529.982.247-25');
  });

  it('keeps an already formatted CPF the same', () => {
    assert.equal(formatCpf('529.982.247-25'), '529.982.247-25');
  });

  it('keeps leading zeros', () => {
    assert.equal(formatCpf('00000000191'), '000.000.001-91');
  });

  it('throws a RangeError for text that is not shaped like a CPF', () => {
    assert.throws(() => formatCpf('123'), RangeError);
  });

  it('round-trips with normalizeCpf', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{11}$/), (digits) => {
        assert.equal(normalizeCpf(formatCpf(digits)), digits);
      }),
    );
  });
});

describe('generateCpf', () => {
  it('makes valid CPFs from crypto.randomInt', () => {
    for (let i = 0; i < 1000; i += 1) {
      const cpf = generateCpf(randomInt);
      assert.match(cpf, /^\d{11}$/);
      assert.equal(isValidCpf(cpf), true, cpf);
    }
  });

  it('makes a valid CPF from any nine random digits', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 9, maxLength: 9 }), (d) => {
        const cpf = generateCpf(sequence(d));
        assert.equal(isValidCpf(cpf), true, cpf);
      }),
    );
  });

  it('uses the random digits as the base of the CPF', () => {
    assert.equal(generateCpf(sequence([5, 2, 9, 9, 8, 2, 2, 4, 7])), '52998224725');
  });

  it('makes a valid CPF even from a source that always answers the same', () => {
    for (let digit = 0; digit <= 9; digit += 1) {
      const cpf = generateCpf(() => digit);
      assert.equal(isValidCpf(cpf), true, cpf);
    }
  });

  it('makes digits even from a source that misbehaves', () => {
    for (const value of [-3, 2.7, 123, Number.NaN, Number.POSITIVE_INFINITY]) {
      const cpf = generateCpf(() => value);
      assert.equal(isValidCpf(cpf), true, `${value} gave ${cpf}`);
    }
  });

  it('asks for digits, that is integers below 10', () => {
    const asked: number[] = [];
    generateCpf((max) => {
      asked.push(max);
      return 0;
    });
    assert.deepEqual(asked, Array<number>(9).fill(10));
  });
});

describe('CPF_SCHEMA_PATTERN', () => {
  it('accepts exactly what normalizeCpf accepts', () => {
    const pattern = new RegExp(CPF_SCHEMA_PATTERN);
    const samples = ['52998224725', '529.982.247-25', ' 529982247-25 ', '5299822472', 'x', ''];
    for (const text of samples) {
      assert.equal(pattern.test(text), normalizeCpf(text) !== null, JSON.stringify(text));
    }
  });
});

/** The CPF with the digit at `position` replaced by each of the nine other digits. */
function otherDigits(cpf: string, position: number): string[] {
  const current = Number(cpf[position]);
  return [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    .filter((digit) => digit !== current)
    .map((digit) => `${cpf.slice(0, position)}${digit}${cpf.slice(position + 1)}`);
}

/** A random source that answers the given values in turn. */
function sequence(values: readonly number[]): (max: number) => number {
  let index = 0;
  return () => {
    const value = values[index % values.length] ?? 0;
    index += 1;
    return value;
  };
}
