import { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';

export const KEEP_RULES = ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'keepWithinDays'] as const;
export type KeepRule = (typeof KEEP_RULES)[number];

/** A policy whose every rule is empty or zero would let pruning delete every snapshot. */
export const keepsSomethingValidator: ValidatorFn = (group: AbstractControl): ValidationErrors | null => {
  const keeps = KEEP_RULES.some((rule) => {
    const value = group.get(rule)?.value as number | null | undefined;
    return typeof value === 'number' && value > 0;
  });
  return keeps ? null : { keepsNothing: true };
};
