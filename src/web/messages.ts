import type { ErrorCode } from '../platform/errors/catalogue.ts';

/**
 * What each error means to a person using the pages, in pt-BR. The API keeps
 * the English messages of the catalogue; a test checks every code is here.
 */
export const MESSAGES_PT: Record<ErrorCode, string> = {
  OMAUM_REQUEST_INVALID: 'Há campos com valores inválidos.',
  OMAUM_REQUEST_MALFORMED: 'O pedido não pôde ser lido.',
  OMAUM_REQUEST_TOO_LARGE: 'O envio é grande demais.',
  OMAUM_REQUEST_UNSUPPORTED_MEDIA: 'Formato de envio não aceito.',
  OMAUM_ROUTE_NOT_FOUND: 'Esta página não existe.',
  OMAUM_INTERNAL: 'Algo deu errado do nosso lado. Tente de novo.',
  OMAUM_UNAVAILABLE: 'O sistema não está pronto. Tente em instantes.',
  OMAUM_AUTH_REQUIRED: 'Entre com seu e-mail e senha.',
  OMAUM_AUTH_INVALID_CREDENTIALS: 'E-mail ou senha incorretos.',
  OMAUM_AUTH_TOKEN_INVALID: 'Sua sessão expirou. Entre de novo.',
  OMAUM_AUTH_TOKEN_NOT_FOUND: 'Token não encontrado.',
  OMAUM_AUTH_ACCOUNT_LOCKED:
    'Conta bloqueada depois de várias tentativas erradas. Tente de novo em alguns minutos.',
  OMAUM_AUTH_ACCOUNT_INACTIVE: 'Esta conta está desativada.',
  OMAUM_AUTH_FORBIDDEN: 'Seu perfil não permite esta ação.',
  OMAUM_AUTH_CSRF_INVALID: 'O formulário expirou. Recarregue a página e tente de novo.',
  OMAUM_AUTH_PASSWORD_CHANGE_REQUIRED: 'Troque sua senha antes de continuar.',
  OMAUM_AUTH_PASSWORD_WEAK:
    'A nova senha precisa de pelo menos 10 caracteres e não pode ser óbvia.',
  OMAUM_RATE_LIMITED: 'Muitos pedidos em pouco tempo. Aguarde alguns instantes e tente de novo.',
  OMAUM_ADDRESS_BLOCKED:
    'Este endereço foi bloqueado por um tempo depois de muitos pedidos recusados. ' +
    'Tente mais tarde ou fale com o administrador.',
  OMAUM_SECURITY_BLOCK_NOT_FOUND: 'Este endereço não está bloqueado.',
  OMAUM_USER_NOT_FOUND: 'Usuário não encontrado.',
  OMAUM_USER_DUPLICATE: 'Já existe um usuário com este e-mail.',
  OMAUM_USER_LAST_ADMIN: 'O último administrador ativo não pode perder o acesso.',
  OMAUM_COURSE_NOT_FOUND: 'Curso não encontrado.',
  OMAUM_COURSE_DUPLICATE: 'Já existe um curso com este nome.',
  OMAUM_COURSE_ARCHIVED: 'O curso está arquivado ou ainda tem turmas ativas.',
  OMAUM_STUDENT_NOT_FOUND: 'Aluno não encontrado.',
  OMAUM_STUDENT_DUPLICATE: 'Outro aluno já tem este CPF, número iniciático ou e-mail.',
  OMAUM_STUDENT_ARCHIVED: 'O aluno está arquivado.',
  OMAUM_COHORT_NOT_FOUND: 'Turma não encontrada.',
  OMAUM_COHORT_DUPLICATE: 'Já existe uma turma com este nome.',
  OMAUM_COHORT_ARCHIVED: 'A turma está arquivada.',
  OMAUM_COHORT_INSTRUCTOR_INVALID:
    'Instrutores devem ser alunos ativos, pessoas diferentes, ' +
    'e ter esse papel em uma só turma ativa.',
  OMAUM_COHORT_CAPACITY_BELOW_ENROLLED:
    'A capacidade ficaria abaixo do número de matrículas ativas.',
  OMAUM_ACTIVITY_NOT_FOUND: 'Atividade não encontrada.',
  OMAUM_ACTIVITY_DUPLICATE: 'A turma já tem uma atividade com este nome.',
  OMAUM_ACTIVITY_ARCHIVED: 'A atividade está arquivada.',
  OMAUM_ACTIVITY_MANDATORY_LOCKED:
    '"Aulas" e "Plenilúnios" não podem ser arquivadas nem mudar de tipo ou modo.',
  OMAUM_ENROLLMENT_NOT_FOUND: 'Matrícula não encontrada.',
  OMAUM_ENROLLMENT_DUPLICATE: 'O aluno já está matriculado nesta turma.',
  OMAUM_ENROLLMENT_ACTIVE_ELSEWHERE: 'O aluno já tem matrícula ativa em outra turma ativa.',
  OMAUM_ENROLLMENT_COHORT_FULL: 'A turma está com a capacidade completa.',
  OMAUM_ENROLLMENT_NOT_ALLOWED: 'O aluno ou a turma não aceita matrículas na situação atual.',
  OMAUM_SESSION_NOT_FOUND: 'Dia de atividade não encontrado.',
  OMAUM_SESSION_HAS_MARKS:
    'Este dia já tem presenças registradas; limpe-as antes de mudar a data, o tipo ou excluir.',
  OMAUM_SESSION_DUPLICATE: 'A atividade já tem um dia nesta data e horário.',
  OMAUM_SESSION_NOT_ALLOWED:
    'Não é possível criar dias em atividade ou turma arquivada ou inativa.',
  OMAUM_MARK_NOT_FOUND: 'Registro de presença não encontrado.',
  OMAUM_MARK_STUDENT_UNKNOWN: 'Há alunos que não existem ou não estão matriculados na turma.',
  OMAUM_MARK_RULE_VIOLATION: 'Algumas presenças não seguem as regras; nada foi salvo.',
  OMAUM_MARK_VERSION_CONFLICT:
    'Outra pessoa mudou estas presenças depois que você abriu a página; nada foi salvo.',
  OMAUM_JOB_NOT_FOUND: 'Tarefa não encontrada.',
  OMAUM_JOB_NOT_RETRYABLE: 'Só uma tarefa que falhou pode ser repetida.',
  OMAUM_JOB_QUEUE_UNAVAILABLE: 'A fila de tarefas não está disponível.',
  OMAUM_EXPORT_NOT_FOUND: 'Exportação não encontrada.',
  OMAUM_EXPORT_NOT_READY: 'A exportação ainda não está pronta. Aguarde alguns instantes.',
  OMAUM_EXPORT_EXPIRED: 'A exportação expirou e o arquivo foi apagado; gere uma nova.',
  OMAUM_EXPORT_QUEUE_UNAVAILABLE:
    'Não é possível gerar exportações agora. Tente mais tarde ou avise o administrador.',
  OMAUM_REPORT_SCHEDULE_NOT_FOUND: 'Agendamento de relatório não encontrado.',
};

const FIELD_MESSAGES: readonly [RegExp, string][] = [
  [/^is required$/, 'Campo obrigatório.'],
  [/^is already in use$/, 'Já está em uso.'],
  [/check digits|not a valid CPF/i, 'CPF inválido.'],
  [/future/i, 'Não pode estar no futuro.'],
  [/must not be before|before the start|not be before/i, 'Não pode ser anterior ao início.'],
  [/must have at least (\d+) characters/, 'Precisa de pelo menos $1 caracteres.'],
  [/must NOT have fewer than 1 characters|must not be blank|blank/i, 'Não pode ficar em branco.'],
  [/must match format "email"/, 'E-mail inválido.'],
  [/must match format "date"/, 'Data inválida (use dd/mm/aaaa).'],
  [/must be (>=|≥) (\d+)/, 'Deve ser no mínimo $2.'],
  [/must be (<=|≤) (\d+)/, 'Deve ser no máximo $2.'],
  [/does not match your password/, 'Não confere com a sua senha atual.'],
  [/must differ/, 'Deve ser diferente da atual.'],
  [
    /five-field cron expression/,
    'Use uma expressão cron de cinco campos (minuto hora dia mês dia-da-semana), como 0 7 1 * *.',
  ],
  [/IANA time zone/, 'Fuso horário desconhecido; use um nome como America/Sao_Paulo.'],
  [/inactive schedule is not sent/, 'Ative o envio programado antes de enviá-lo agora.'],
];

/** A service's field message in pt-BR; falls back to a generic one. */
export function fieldMessagePt(message: string): string {
  for (const [pattern, text] of FIELD_MESSAGES) {
    const match = pattern.exec(message);
    if (match) return text.replace(/\$(\d)/g, (_, index: string) => match[Number(index)] ?? '');
  }
  return 'Valor inválido.';
}
