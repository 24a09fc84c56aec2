import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { FormActions, FormField } from './FormField';

const input = (html: string) => /<input[^>]*>/.exec(html)?.[0] ?? '';

describe('FormField', () => {
  it('labels the control, and describes it by its hint while there is no error', () => {
    const html = renderToStaticMarkup(
      <FormField id="pw" label="Password" hint="At least 8 characters." error={null} errorId="pw-error">
        {(control) => <input {...control} />}
      </FormField>,
    );
    expect(html).toContain('<label for="pw" class="label">Password</label>');
    expect(input(html)).toContain('id="pw"');
    expect(input(html)).toContain('aria-describedby="pw-hint"');
    expect(input(html)).not.toContain('aria-invalid');
    expect(html).toContain('<p id="pw-hint" class="mt-1 text-xs text-zinc-600 dark:text-zinc-400">At least 8 characters.</p>');
  });

  it('while there is an error, marks the control invalid and points it at the error line', () => {
    const html = renderToStaticMarkup(
      <FormField id="pw" label="Password" hint="At least 8 characters." error="Too short." errorId="pw-error">
        {(control) => <input {...control} />}
      </FormField>,
    );
    expect(input(html)).toContain('aria-invalid="true"');
    expect(input(html)).toContain('aria-describedby="pw-error"');
  });

  it('an optional field without hint or error id says "(optional)" and is described by nothing', () => {
    const html = renderToStaticMarkup(
      <FormField id="mail" label="Email" optional error="Something else failed.">
        {(control) => <input {...control} />}
      </FormField>,
    );
    expect(html).toMatch(/<label for="mail" class="label">Email <span[^>]*>\(optional\)<\/span><\/label>/);
    expect(input(html)).not.toContain('aria-describedby');
    expect(input(html)).not.toContain('aria-invalid');
  });
});

describe('FormActions', () => {
  const render = (error: string | null, busy: boolean) =>
    renderToStaticMarkup(<FormActions errorId="f-error" error={error} busy={busy} submit="Save" busyText="Saving…" onCancel={() => undefined} />);

  it('shows the error as an alert with its id, and the busy label on a disabled submit', () => {
    expect(render(null, false)).not.toContain('role="alert"');
    expect(render('Nope.', false)).toContain('<p id="f-error" role="alert" class="text-sm text-red-700 dark:text-red-400">Nope.</p>');
    expect(render(null, false)).toMatch(/<button type="submit" class="btn-primary">Save<\/button>/);
    expect(render(null, true)).toMatch(/<button type="submit" class="btn-primary" disabled="">Saving…<\/button>/);
  });
});
