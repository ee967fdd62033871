import { FormControl, FormGroup } from '@angular/forms';
import { cronValidator, timeZoneValidator, windowPairValidator } from './schedule.validators';

describe('schedule validators', () => {
  const cron = (value: string) => cronValidator(new FormControl(value));

  it.each(['0 2 * * *', '*/15 * * * *', '0 0 1 JAN MON', '30 1-5/2 * * 1,3,5', '0 0 12 ? * *', '0 0 L * *'])('accepts the cron expression %s', (value) => {
    expect(cron(value)).toBeNull();
  });

  it('names what is wrong with a cron expression', () => {
    expect(cron('0 2 * *')).toEqual({ cron: 'Needs 5 space-separated fields' });
    expect(cron('0 2 * * * * *')).toEqual({ cron: 'Needs 5 space-separated fields' });
    expect(cron('0 2 $ * *')).toEqual({ cron: '“$” is not a valid cron field' });
    expect(cron('0 2 1-/3 * *')).not.toBeNull();
  });

  it('knows IANA time zones', () => {
    expect(timeZoneValidator(new FormControl('Europe/Paris'))).toBeNull();
    expect(timeZoneValidator(new FormControl('UTC'))).toBeNull();
    expect(timeZoneValidator(new FormControl('Mars/Olympus_Mons'))).toEqual({ timeZone: true });
  });

  it('wants both ends of a window or neither', () => {
    const group = (start: string, end: string) =>
      windowPairValidator(new FormGroup({ windowStart: new FormControl(start), windowEnd: new FormControl(end) }));
    expect(group('', '')).toBeNull();
    expect(group('22:00', '06:00')).toBeNull();
    expect(group('22:00', '')).toEqual({ windowPair: true });
    expect(group('', '06:00')).toEqual({ windowPair: true });
  });
});
