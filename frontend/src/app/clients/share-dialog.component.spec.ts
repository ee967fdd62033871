import { TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { ShareDto as Share } from '../api/models/share-dto';
import { ShareDialogComponent, ShareDialogData, ShareFormValue, sharePayload } from './share-dialog.component';

const empty: ShareFormValue = {
  name: 'docs', url: 'smb://ws-01/Users', username: '', domain: '', password: '', excludes: '', preHook: '', postHook: '', clearPassword: false,
};

const stored: Share = {
  id: 's1', clientId: 'c1', name: 'docs', url: 'smb://ws-01/Users/alice', username: 'alice', domain: 'OFFICE',
  hasPassword: true, excludes: ['*.tmp', 'Temp/'], preHook: '', postHook: '', createdAt: '', updatedAt: '',
};

describe('sharePayload', () => {
  it('leaves empty optional fields and the password out when creating', () => {
    expect(sharePayload({ ...empty, excludes: ' *.tmp \n\n~$*\n' }, false)).toEqual({ name: 'docs', url: 'smb://ws-01/Users', excludes: ['*.tmp', '~$*'] });
  });

  it('sends the password only when one was typed', () => {
    expect(sharePayload({ ...empty, password: 's3cret' }, false).password).toBe('s3cret');
    expect('password' in sharePayload({ ...empty, username: 'alice' }, true)).toBe(false);
  });

  it('sends an empty password only when asked to remove the stored one, and a typed one wins', () => {
    expect(sharePayload({ ...empty, clearPassword: true }, true).password).toBe('');
    expect(sharePayload({ ...empty, clearPassword: true, password: 'new' }, true).password).toBe('new');
    expect('password' in sharePayload({ ...empty, clearPassword: true }, false)).toBe(false);
  });

  it('clears emptied fields when editing', () => {
    expect(sharePayload({ ...empty, domain: ' ' }, true)).toEqual({
      name: 'docs', url: 'smb://ws-01/Users', excludes: [], username: '', domain: '', preHook: '', postHook: '',
    });
  });
});

describe('ShareDialogComponent', () => {
  function open(share: Share | null, save: ShareDialogData['save']) {
    const close = vi.fn();
    TestBed.configureTestingModule({
      imports: [ShareDialogComponent],
      providers: [
        { provide: MAT_DIALOG_DATA, useValue: { share, save } satisfies ShareDialogData },
        { provide: MatDialogRef, useValue: { close } },
      ],
    });
    const fixture = TestBed.createComponent(ShareDialogComponent);
    fixture.detectChanges();
    return { fixture, close, el: fixture.nativeElement as HTMLElement };
  }

  const input = (el: HTMLElement, name: string) => el.querySelector<HTMLInputElement>(`[name="${name}"]`)!;

  it('never fills in a stored password and says one is set', async () => {
    const { fixture, el } = open(stored, vi.fn());
    await fixture.whenStable();
    expect(input(el, 'sharePassword').value).toBe('');
    expect(input(el, 'sharePassword').type).toBe('password');
    expect(el.textContent).toContain('A password is set. Leave empty to keep it.');
    expect(el.querySelector('[data-testid="dialog-password-set"]')).not.toBeNull();
    expect(el.textContent).not.toContain('s3cret');
  });

  it('refuses a URL that is neither smb:// nor file:// and does not save', async () => {
    const save = vi.fn();
    const { fixture, el } = open(null, save);
    input(el, 'shareName').value = 'docs';
    input(el, 'shareName').dispatchEvent(new Event('input'));
    input(el, 'url').value = 'http://ws-01/Users';
    input(el, 'url').dispatchEvent(new Event('input'));
    el.querySelector('form')!.dispatchEvent(new Event('submit'));
    fixture.detectChanges();
    await fixture.whenStable();
    expect(save).not.toHaveBeenCalled();
    expect(el.textContent).toContain('Use smb://host/share[/path] or file:///path');
  });

  it('takes a hook name, not a command, and sends it', async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const { fixture, el } = open(stored, save);
    expect(el.querySelector('[data-testid="hooks-explained"]')?.textContent).toContain('runs only hooks declared in its own configuration');
    input(el, 'preHook').value = 'pg_dump app > /srv/app.sql';
    input(el, 'preHook').dispatchEvent(new Event('input'));
    el.querySelector('form')!.dispatchEvent(new Event('submit'));
    fixture.detectChanges();
    await fixture.whenStable();
    expect(save).not.toHaveBeenCalled();
    expect(el.textContent).toContain('A hook name: letters, digits');
    input(el, 'preHook').value = 'db-dump';
    input(el, 'preHook').dispatchEvent(new Event('input'));
    el.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    expect(save).toHaveBeenCalledWith(expect.objectContaining({ preHook: 'db-dump', postHook: '' }));
  });

  it('shows the API message and stays open when saving fails', async () => {
    const { HttpErrorResponse } = await import('@angular/common/http');
    const save = vi.fn().mockRejectedValue(
      new HttpErrorResponse({ status: 400, error: { statusCode: 400, message: ['url must be smb://host[:port]/share[/path]'], error: 'Bad Request' } }),
    );
    const { fixture, el, close } = open(stored, save);
    el.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
    fixture.detectChanges();
    expect(save).toHaveBeenCalledOnce();
    expect(close).not.toHaveBeenCalled();
    expect(el.querySelector('[data-testid="share-error"]')?.textContent).toContain('url must be smb://host[:port]/share[/path]');
  });
});
