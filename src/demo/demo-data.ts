/**
 * The demo institution's fixed facts, in pt-BR: courses, cohorts and where
 * they meet, and the vocabularies people and marks are drawn from. Every
 * person, address, phone and e-mail built from these is fictional; e-mails
 * use example domains.
 */
import type { Weekday } from '../platform/db/tables.ts';

export const DEMO_SEED = 20_251_203;

export interface DemoCourse {
  readonly name: string;
  readonly description: string;
}

export const COURSES: readonly DemoCourse[] = [
  {
    name: '1º Grau – Aprendizes',
    description:
      'Primeiro grau de estudos: silêncio, concentração, os quatro elementos e o simbolismo ' +
      'do templo. Aulas semanais, Plenilúnios mensais e trabalhos de serviço por convocação.',
  },
  {
    name: '2º Grau – Companheiros',
    description:
      'Segundo grau de estudos, para quem concluiu o 1º Grau: simbolismo dos números, ' +
      'geometria sagrada, a palavra e a cura. Aulas semanais, Plenilúnios e trabalhos de cura.',
  },
];

export interface DemoCity {
  readonly name: string;
  readonly state: string;
  /** Telephone area code (DDD). */
  readonly ddd: string;
  /** First digits of the city's postal codes (CEP). */
  readonly cepPrefix: string;
  readonly neighbourhoods: readonly string[];
}

const SAO_PAULO: DemoCity = {
  name: 'São Paulo',
  state: 'SP',
  ddd: '11',
  cepPrefix: '04',
  neighbourhoods: [
    'Vila Mariana',
    'Moema',
    'Pinheiros',
    'Tatuapé',
    'Santana',
    'Ipiranga',
    'Saúde',
    'Perdizes',
    'Jabaquara',
  ],
};

const CAMPINAS: DemoCity = {
  name: 'Campinas',
  state: 'SP',
  ddd: '19',
  cepPrefix: '13',
  neighbourhoods: ['Cambuí', 'Taquaral', 'Barão Geraldo', 'Guanabara', 'Castelo', 'Botafogo'],
};

const BELO_HORIZONTE: DemoCity = {
  name: 'Belo Horizonte',
  state: 'MG',
  ddd: '31',
  cepPrefix: '30',
  neighbourhoods: ['Savassi', 'Funcionários', 'Lourdes', 'Santa Efigênia', 'Pampulha', 'Buritis'],
};

const RIO_DE_JANEIRO: DemoCity = {
  name: 'Rio de Janeiro',
  state: 'RJ',
  ddd: '21',
  cepPrefix: '22',
  neighbourhoods: ['Botafogo', 'Tijuca', 'Flamengo', 'Laranjeiras', 'Copacabana', 'Grajaú'],
};

/** A change to one member's enrollment or situation, by position in the cohort's list. */
export type MemberEvent =
  | {
      readonly kind: 'cancelled';
      readonly member: number;
      readonly endedOn: string;
      readonly note: string;
    }
  | {
      readonly kind: 'on_leave';
      readonly member: number;
      readonly from: string;
      readonly justification: string;
    };

export interface LateJoiner {
  readonly enrolledOn: string;
  readonly note: string;
}

export interface DemoCohort {
  /** Index into COURSES. */
  readonly course: number;
  readonly name: string;
  readonly bookNumber: string;
  readonly initiationDate: string;
  readonly firstLessonDate: string;
  readonly weekday: Weekday;
  readonly time: string;
  readonly fullMoonTime: string;
  readonly place: string;
  readonly city: DemoCity;
  readonly capacity: number;
  readonly minAttendancePct: number;
  readonly maxShortfallsToClear: number;
  /** Members enrolled on the initiation date. */
  readonly founders: number;
  readonly lateJoiners: readonly LateJoiner[];
  /** Positions (in the cohort's list of founders) of students who attend little. */
  readonly struggling: readonly number[];
  readonly events: readonly MemberEvent[];
  /** Years the members were first initiated (their initiatic numbers). */
  readonly initiationYears: readonly number[];
  readonly convocation: {
    readonly name: string;
    readonly kind: 'cleaning' | 'service';
    readonly weekday: Weekday;
    readonly time: string;
    readonly subject: string;
    readonly extraSubject: string;
  };
  readonly subjects: readonly string[];
}

const FIRST_DEGREE_SUBJECTS = [
  'O silêncio interior',
  'A respiração consciente',
  'Concentração e atenção',
  'O elemento Terra',
  'O elemento Água',
  'O elemento Fogo',
  'O elemento Ar',
  'O simbolismo do templo',
  'A disciplina do aprendiz',
  'Meditação sobre a luz',
  'O trabalho em grupo',
  'Os ciclos da natureza',
  'Ética e serviço',
  'A palavra e o silêncio',
  'Estudo dirigido',
  'Revisão e perguntas',
];

const SECOND_DEGREE_SUBJECTS = [
  'O caminho do companheiro',
  'O simbolismo dos números',
  'A geometria sagrada',
  'O ponto, a linha e o círculo',
  'Os sete planetas e os dias da semana',
  'A vibração da palavra',
  'Mantras e entoação',
  'Fundamentos do trabalho de cura',
  'O corpo como templo',
  'As correspondências',
  'A roda do ano',
  'Estudo dirigido',
  'Revisão e perguntas',
];

export const COHORTS: readonly DemoCohort[] = [
  {
    course: 0,
    name: 'Aprendizes 2025 – São Paulo',
    bookNumber: '017/2025',
    initiationDate: '2025-02-15',
    firstLessonDate: '2025-02-18',
    weekday: 'tue',
    time: '20:00',
    fullMoonTime: '20:30',
    place: 'Templo Central – Rua Domingos de Morais, 1520, Vila Mariana, São Paulo/SP',
    city: SAO_PAULO,
    capacity: 20,
    minAttendancePct: 70,
    maxShortfallsToClear: 1,
    founders: 13,
    lateJoiners: [
      { enrolledOn: '2026-04-07', note: 'Transferido do Núcleo Santos.' },
      { enrolledOn: '2026-06-02', note: 'Reingresso aprovado pela coordenação.' },
    ],
    struggling: [6],
    events: [
      {
        kind: 'cancelled',
        member: 4,
        endedOn: '2026-05-12',
        note: 'Desligamento a pedido, por motivos pessoais.',
      },
      {
        kind: 'on_leave',
        member: 9,
        from: '2026-09-01',
        justification: 'Em licença: recuperação de cirurgia (atestado médico).',
      },
    ],
    initiationYears: [2025],
    convocation: {
      name: 'Limpezas',
      kind: 'cleaning',
      weekday: 'sat',
      time: '08:00',
      subject: 'Limpeza do templo',
      extraSubject: 'Mutirão de limpeza geral',
    },
    subjects: FIRST_DEGREE_SUBJECTS,
  },
  {
    course: 0,
    name: 'Aprendizes 2026 – Campinas',
    bookNumber: '021/2026',
    initiationDate: '2026-03-07',
    firstLessonDate: '2026-03-14',
    weekday: 'sat',
    time: '09:30',
    fullMoonTime: '19:30',
    place: 'Núcleo Campinas – Rua Barão de Jaguara, 905, Centro, Campinas/SP',
    city: CAMPINAS,
    capacity: 20,
    minAttendancePct: 70,
    maxShortfallsToClear: 1,
    founders: 12,
    lateJoiners: [{ enrolledOn: '2026-05-09', note: 'Transferida do Núcleo Sorocaba.' }],
    struggling: [3],
    events: [
      {
        kind: 'on_leave',
        member: 8,
        from: '2026-10-05',
        justification: 'Em licença para cuidar de familiar doente.',
      },
    ],
    initiationYears: [2026],
    convocation: {
      name: 'Cantina',
      kind: 'service',
      weekday: 'sun',
      time: '10:00',
      subject: 'Cantina do almoço fraterno',
      extraSubject: 'Cantina do bazar beneficente',
    },
    subjects: FIRST_DEGREE_SUBJECTS,
  },
  {
    course: 1,
    name: 'Companheiros 2025 – Belo Horizonte',
    bookNumber: '009/2025',
    initiationDate: '2025-08-09',
    firstLessonDate: '2025-08-14',
    weekday: 'thu',
    time: '19:30',
    fullMoonTime: '20:00',
    place: 'Núcleo Belo Horizonte – Rua Pernambuco, 1022, Savassi, Belo Horizonte/MG',
    city: BELO_HORIZONTE,
    capacity: 15,
    // This cohort's council asks for more attendance and forgives more shortfalls.
    minAttendancePct: 75,
    maxShortfallsToClear: 2,
    founders: 10,
    lateJoiners: [{ enrolledOn: '2026-02-05', note: 'Reingresso aprovado pela coordenação.' }],
    struggling: [2],
    events: [
      {
        kind: 'cancelled',
        member: 7,
        endedOn: '2026-08-20',
        note: 'Mudou-se para Curitiba; desligamento a pedido.',
      },
    ],
    initiationYears: [2021, 2022, 2023],
    convocation: {
      name: 'Trabalho de Cura',
      kind: 'service',
      weekday: 'mon',
      time: '19:00',
      subject: 'Sessão de cura',
      extraSubject: 'Mutirão de cura',
    },
    subjects: SECOND_DEGREE_SUBJECTS,
  },
  {
    course: 1,
    name: 'Companheiros 2025 – Rio de Janeiro',
    bookNumber: '012/2025',
    initiationDate: '2025-10-18',
    firstLessonDate: '2025-10-22',
    weekday: 'wed',
    time: '20:00',
    fullMoonTime: '20:00',
    place: 'Núcleo Rio de Janeiro – Rua Voluntários da Pátria, 318, Botafogo, Rio de Janeiro/RJ',
    city: RIO_DE_JANEIRO,
    capacity: 15,
    minAttendancePct: 70,
    maxShortfallsToClear: 1,
    founders: 9,
    lateJoiners: [],
    struggling: [5],
    events: [
      {
        kind: 'on_leave',
        member: 1,
        from: '2026-06-15',
        justification: 'Em licença: trabalho temporário no exterior.',
      },
    ],
    initiationYears: [2022, 2023],
    convocation: {
      name: 'Limpezas',
      kind: 'cleaning',
      weekday: 'sat',
      time: '08:30',
      subject: 'Limpeza do núcleo',
      extraSubject: 'Mutirão de limpeza e jardinagem',
    },
    subjects: SECOND_DEGREE_SUBJECTS,
  },
];

/** Instructor, assistant instructor and aide of each cohort: senior members, not enrolled. */
export const STAFF_ROLES_PER_COHORT = 3;
export const STAFF_INITIATION_YEARS: readonly number[] = [1994, 1998, 2003, 2007, 2011, 2015];

export const FEMALE_FIRST_NAMES: readonly string[] = [
  'Maria',
  'Ana',
  'Antônia',
  'Adriana',
  'Juliana',
  'Márcia',
  'Fernanda',
  'Patrícia',
  'Aline',
  'Sandra',
  'Camila',
  'Luciana',
  'Cláudia',
  'Letícia',
  'Beatriz',
  'Gabriela',
  'Larissa',
  'Débora',
  'Mônica',
  'Renata',
  'Simone',
  'Tânia',
  'Vânia',
  'Lúcia',
  'Cecília',
  'Helena',
  'Inês',
  'Júlia',
  'Lívia',
  'Natália',
  'Rosângela',
  'Sônia',
  'Thaís',
  'Vitória',
  'Maria Eduarda',
  'Ana Luíza',
  'Maria José',
  'Ana Cláudia',
  'Conceição',
  'Iracema',
];

export const MALE_FIRST_NAMES: readonly string[] = [
  'José',
  'João',
  'Antônio',
  'Francisco',
  'Carlos',
  'Paulo',
  'Pedro',
  'Lucas',
  'Luiz',
  'Marcos',
  'Gabriel',
  'Rafael',
  'Daniel',
  'Marcelo',
  'Bruno',
  'Eduardo',
  'Felipe',
  'Raimundo',
  'Rodrigo',
  'André',
  'Fábio',
  'Sérgio',
  'Vinícius',
  'Otávio',
  'Flávio',
  'Márcio',
  'Caio',
  'Júlio',
  'Rogério',
  'Célio',
  'Aurélio',
  'Benedito',
  'Joaquim',
  'Sebastião',
  'João Vítor',
  'José Cláudio',
  'Luiz Henrique',
  'Ubiratan',
];

export const SURNAMES: readonly string[] = [
  'Silva',
  'Santos',
  'Oliveira',
  'Souza',
  'Rodrigues',
  'Ferreira',
  'Alves',
  'Pereira',
  'Lima',
  'Gomes',
  'Costa',
  'Ribeiro',
  'Martins',
  'Carvalho',
  'Almeida',
  'Lopes',
  'Soares',
  'Fernandes',
  'Vieira',
  'Barbosa',
  'Rocha',
  'Dias',
  'Nascimento',
  'Andrade',
  'Moreira',
  'Nunes',
  'Marques',
  'Machado',
  'Mendes',
  'Freitas',
  'Cardoso',
  'Ramos',
  'Gonçalves',
  'Teixeira',
  'Araújo',
  'Magalhães',
  'Conceição',
  'Brandão',
  'Guimarães',
  'Assunção',
  'Figueiredo',
  'Sampaio',
  'Aragão',
  'Falcão',
  'Damasceno',
  'Bittencourt',
  'Cavalcanti',
  'Monteiro',
  'Sá',
  'Lacerda',
];

/** Particles some Brazilian names carry before a surname ("Maria da Conceição"). */
export const NAME_PARTICLES: readonly string[] = ['de', 'da', 'dos'];

export const INITIATIC_NAMES: readonly string[] = [
  'Aurora',
  'Luz Serena',
  'Estrela da Manhã',
  'Chama Azul',
  'Rosa Mística',
  'Pedra Viva',
  'Lótus Dourado',
  'Fonte Clara',
  'Águia Branca',
  'Lua Nova',
  'Sol Nascente',
  'Vento Sul',
  'Sírius',
  'Vega',
  'Órion',
  'Alcíone',
  'Aldebarã',
  'Antares',
  'Arcturus',
  'Canopus',
  'Capela',
  'Régulus',
  'Altair',
  'Spica',
  'Fênix',
  'Íris',
  'Cristal',
  'Safira',
  'Esmeralda',
  'Ametista',
  'Topázio',
  'Jade',
  'Harmonia',
  'Serenidade',
  'Paciência',
  'Caridade',
  'Esperança',
  'Temperança',
  'Verbo',
  'Silêncio',
  'Caminho Reto',
  'Ponte',
  'Semente',
  'Raiz Profunda',
  'Cedro',
  'Ipê Amarelo',
  'Jequitibá',
  'Oliveira Antiga',
  'Orvalho',
  'Nascente',
  'Cachoeira',
  'Maré Alta',
  'Horizonte',
  'Alvorada',
  'Crepúsculo',
  'Estrela Guia',
  'Lanterna',
  'Farol',
  'Âncora',
  'Bússola',
  'Peregrino',
  'Guardião',
  'Arauto',
  'Escriba',
];

export const STREETS: readonly string[] = [
  'Rua São Bento',
  'Rua das Palmeiras',
  'Avenida Brasil',
  'Rua Sete de Setembro',
  'Rua Tiradentes',
  'Rua Santos Dumont',
  'Rua Dom Pedro II',
  'Rua Quinze de Novembro',
  'Rua Marechal Deodoro',
  'Rua Rui Barbosa',
  'Rua José Bonifácio',
  'Rua das Acácias',
  'Rua dos Ipês',
  'Avenida Getúlio Vargas',
  'Rua Castro Alves',
  'Rua Machado de Assis',
  'Travessa das Hortênsias',
  'Alameda dos Jacarandás',
];

export const KIN: readonly string[] = [
  'esposa',
  'marido',
  'mãe',
  'pai',
  'irmã',
  'irmão',
  'filha',
  'filho',
  'companheira',
  'companheiro',
];

export const MEDICAL_NOTES: readonly string[] = [
  'Hipertensão controlada com medicação.',
  'Diabetes tipo 2; traz lanche para as atividades longas.',
  'Alergia a dipirona.',
  'Asma leve; usa bombinha.',
  'Labirintite: evitar escadas sem corrimão.',
  'Alergia a frutos do mar.',
  'Enxaqueca crônica; sensível a incenso forte.',
];

/** Reasons given for an excused absence (J). */
export const JUSTIFICATIONS: readonly string[] = [
  'Atestado médico.',
  'Consulta médica no mesmo horário.',
  'Viagem a trabalho.',
  'Compromisso familiar inadiável.',
  'Doença na família.',
  'Plantão no trabalho.',
  'Greve de ônibus; sem transporte.',
  'Chuva forte e alagamento no bairro.',
  'Filho doente.',
  'Prova na faculdade.',
  'Luto na família.',
  'Gripe forte.',
];

/** Why a student missed most of one month. */
export const AWAY_REASONS: readonly string[] = [
  'Férias com a família, comunicadas à secretaria.',
  'Viagem a trabalho de várias semanas.',
  'Cirurgia e repouso (atestado médico).',
  'Acompanhando familiar no hospital.',
];

export const EXTRA_LESSON_SUBJECTS: readonly string[] = [
  'Aula extra de reposição',
  'Aula extra: revisão com o instrutor',
  'Palestra aberta com convidado',
];

/** National holidays that fall on the same day every year (MM-DD): no lessons or duties. */
const FIXED_HOLIDAYS = ['01-01', '04-21', '05-01', '09-07', '10-12', '11-02', '11-15', '11-20'];

/** Carnival Monday and Tuesday, Good Friday and Corpus Christi, 2025–2027. */
const MOVABLE_HOLIDAYS = [
  '2025-03-03',
  '2025-03-04',
  '2025-04-18',
  '2025-06-19',
  '2026-02-16',
  '2026-02-17',
  '2026-04-03',
  '2026-06-04',
  '2027-02-08',
  '2027-02-09',
  '2027-03-26',
  '2027-05-27',
];

/**
 * Days without lessons or duties: holidays and the year-end recess (22 December
 * to 6 January). Full-moon rituals are held all the same.
 */
export function isNoActivityDay(date: string): boolean {
  const monthDay = date.slice(5);
  if (monthDay >= '12-22' || monthDay <= '01-06') return true;
  return FIXED_HOLIDAYS.includes(monthDay) || MOVABLE_HOLIDAYS.includes(date);
}

export const EMAIL_DOMAINS: readonly string[] = [
  'exemplo.com.br',
  'exemplo.com.br',
  'exemplo.com.br',
  'exemplo.net.br',
  'exemplo.org.br',
];
