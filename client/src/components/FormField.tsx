import type { ReactNode } from 'react';

/** What a field's control spreads: its id, and aria-invalid / aria-describedby wired to the hint or the error. */
export interface FieldControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

/**
 * A labelled field: the label (with "(optional)" when asked), the control from `children`, and a
 * hint below it (id `${id}-hint`). While `error` is set the control is aria-invalid and described
 * by `errorId` (the form's error line, see FormActions), otherwise by its hint.
 */
export function FormField(props: {
  id: string;
  label: ReactNode;
  optional?: boolean;
  hint?: ReactNode;
  error?: string | null;
  errorId?: string;
  children: (control: FieldControlProps) => ReactNode;
}) {
  const { id, hint, error, errorId } = props;
  const hintId = hint ? `${id}-hint` : undefined;
  const invalid = Boolean(error && errorId);
  return (
    <div>
      <label htmlFor={id} className="label">
        {props.label}
        {props.optional && (
          <>
            {' '}
            <span className="font-normal text-zinc-600 dark:text-zinc-400">(optional)</span>
          </>
        )}
      </label>
      {props.children({ id, 'aria-invalid': invalid ? true : undefined, 'aria-describedby': invalid ? errorId : hintId })}
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A form's end: its error line (announced, id `errorId`) and the Cancel / submit row. */
export function FormActions(props: { errorId: string; error: string | null; busy: boolean; submit: string; busyText: string; onCancel: () => void }) {
  return (
    <>
      {props.error && (
        <p id={props.errorId} role="alert" className="text-sm text-red-700 dark:text-red-400">
          {props.error}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <button type="button" className="btn-ghost" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn-primary" disabled={props.busy}>
          {props.busy ? props.busyText : props.submit}
        </button>
      </div>
    </>
  );
}
