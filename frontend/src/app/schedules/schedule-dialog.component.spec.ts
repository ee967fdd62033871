import { ScheduleFormValue, schedulePayload } from './schedule-dialog.component';

const form: ScheduleFormValue = {
  name: ' nightly ', clientId: '', cron: ' 0  22 * * * ', timezone: 'Europe/Berlin', windowStart: '', windowEnd: '',
  fullEveryDays: null, jitterSeconds: null, enabled: true, retentionPolicyId: '',
};

describe('schedulePayload', () => {
  it('turns the "all clients" and "no policy" choices and an empty window into nulls', () => {
    expect(schedulePayload(form)).toEqual({
      name: 'nightly', clientId: null, cron: '0 22 * * *', timezone: 'Europe/Berlin', windowStart: null, windowEnd: null,
      fullEveryDays: null, jitterSeconds: 0, enabled: true, retentionPolicyId: null,
    });
  });

  it('keeps chosen ids, the window and the numbers', () => {
    expect(schedulePayload({ ...form, clientId: 'c1', retentionPolicyId: 'p1', windowStart: '20:00', windowEnd: '06:00', fullEveryDays: 30, jitterSeconds: 600 }))
      .toMatchObject({ clientId: 'c1', retentionPolicyId: 'p1', windowStart: '20:00', windowEnd: '06:00', fullEveryDays: 30, jitterSeconds: 600 });
  });
});
