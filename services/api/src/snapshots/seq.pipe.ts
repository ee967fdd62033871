import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

const MAX_SEQ = 2_147_483_647;

/** A snapshot sequence from the URL: a non-negative integer that fits the catalog's int column. */
@Injectable()
export class SeqPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[0-9]{1,10}$/.test(value) || Number(value) > MAX_SEQ) throw new BadRequestException(`seq must be an integer from 0 to ${MAX_SEQ}`);
    return Number(value);
  }
}
