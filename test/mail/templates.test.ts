import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  escapeHtml,
  formatPeriod,
  reportEmail,
  shortfallNotice,
} from '../../src/platform/mail/templates.ts';

describe('mail templates', () => {
  it('names a period of months in pt-BR', () => {
    assert.equal(formatPeriod({ from: '2026-03', to: '2026-03' }), 'março de 2026');
    assert.equal(formatPeriod({ from: '2026-01', to: '2026-03' }), 'janeiro a março de 2026');
    assert.equal(
      formatPeriod({ from: '2025-11', to: '2026-02' }),
      'novembro de 2025 a fevereiro de 2026',
    );
    assert.throws(() => formatPeriod({ from: '2026-13', to: '2026-13' }), RangeError);
  });

  it('writes the report e-mail with the cohort, the period and a greeting', () => {
    const mail = reportEmail({
      cohortName: 'Turma Ação',
      period: { from: '2026-01', to: '2026-03' },
      reportName: 'Relatório Acumulado',
    });

    assert.equal(mail.subject, 'Relatório Acumulado – Turma Ação – janeiro a março de 2026');
    assert.match(mail.text, /^Olá,\n/);
    assert.match(mail.text, /do período de janeiro a março de 2026\./);
    assert.match(mail.html, /<title>Relatório Acumulado – Turma Ação – janeiro a março/);
  });

  it('escapes names in the HTML body and keeps them as they are in the text', () => {
    const mail = reportEmail({
      cohortName: 'Turma <b>"A" & B</b>',
      period: { from: '2026-03', to: '2026-03' },
      reportName: 'Boletim',
      recipientName: "D'Ávila <script>",
    });

    assert.doesNotMatch(mail.html, /<b>|<script>/);
    assert.match(mail.html, /Turma &lt;b&gt;&quot;A&quot; &amp; B&lt;\/b&gt;/);
    assert.match(mail.html, /Olá, D&#39;Ávila &lt;script&gt;,/);
    assert.match(mail.text, /Olá, D'Ávila <script>,/);
  });

  it('lists the activities in shortfall with pt-BR percentages and the due date', () => {
    const mail = shortfallNotice({
      studentName: 'João Conceição',
      cohortName: 'Turma São João',
      period: { from: '2026-01', to: '2026-03' },
      minAttendancePct: 70,
      activities: [
        { name: 'Aulas', attendancePct: 66.666 },
        { name: 'Plenilúnio', attendancePct: 50 },
      ],
      dueDate: '2026-04-30',
    });

    assert.equal(mail.subject, 'Aviso de carência – Turma São João – janeiro a março de 2026');
    assert.match(mail.text, /Olá, João Conceição,/);
    assert.match(mail.text, /abaixo do mínimo de 70% nas atividades abaixo\./);
    assert.match(mail.text, /^- Aulas: 66,7%$/m);
    assert.match(mail.text, /^- Plenilúnio: 50%$/m);
    assert.match(mail.text, /procure a secretaria até 30\/04\/2026/);
    assert.match(mail.html, /<li>Aulas: 66,7%<\/li><li>Plenilúnio: 50%<\/li>/);
  });

  it('escapes every HTML-significant character', () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});
