import { TestBed } from '@angular/core/testing';
import { MAT_DIALOG_DATA, MatDialogRef } from '@angular/material/dialog';
import { RetentionPolicyDialogComponent, RetentionPolicyDialogData } from './retention-policy-dialog.component';

describe('RetentionPolicyDialogComponent', () => {
  function open(save: RetentionPolicyDialogData['save']) {
    TestBed.configureTestingModule({
      imports: [RetentionPolicyDialogComponent],
      providers: [
        { provide: MAT_DIALOG_DATA, useValue: { policy: null, save } satisfies RetentionPolicyDialogData },
        { provide: MatDialogRef, useValue: { close: vi.fn() } },
      ],
    });
    const fixture = TestBed.createComponent(RetentionPolicyDialogComponent);
    fixture.detectChanges();
    const el = fixture.nativeElement as HTMLElement;
    const type = (name: string, value: string) => {
      const input = el.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
      input.value = value;
      input.dispatchEvent(new Event('input'));
    };
    return { fixture, el, type, submit: () => el.querySelector('form')!.dispatchEvent(new Event('submit')) };
  }

  it('refuses a policy that keeps nothing', async () => {
    const save = vi.fn();
    const { fixture, el, type, submit } = open(save);
    type('policyName', 'nothing');
    submit();
    fixture.detectChanges();
    await fixture.whenStable();
    expect(save).not.toHaveBeenCalled();
    expect(el.textContent).toContain('Set at least one rule above zero');
  });

  it('sends empty rules as 0, the API spelling of "off"', async () => {
    const save = vi.fn().mockResolvedValue(undefined);
    const { fixture, type, submit } = open(save);
    type('policyName', ' office ');
    type('keepDaily', '14');
    type('keepMonthly', '12');
    submit();
    await fixture.whenStable();
    expect(save).toHaveBeenCalledWith({ name: 'office', keepLast: 0, keepDaily: 14, keepWeekly: 0, keepMonthly: 12, keepYearly: 0, keepWithinDays: 0 });
  });
});
