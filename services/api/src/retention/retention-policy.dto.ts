import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import type { RetentionPolicy } from '@backtrac/catalog';

const Count = (description: string): PropertyDecorator =>
  applyDecorators(ApiPropertyOptional({ minimum: 0, maximum: 10000, description }), IsOptional(), IsInt(), Min(0), Max(10000));

export class CreateRetentionPolicyDto {
  @ApiProperty({ example: 'office default' }) @IsString() @MinLength(1) @MaxLength(64) name!: string;
  @Count('Keep the newest N snapshots') keepLast?: number;
  @Count('Keep the newest snapshot of each of the last N days') keepDaily?: number;
  @Count('Keep the newest snapshot of each of the last N ISO weeks') keepWeekly?: number;
  @Count('Keep the newest snapshot of each of the last N months') keepMonthly?: number;
  @Count('Keep the newest snapshot of each of the last N years') keepYearly?: number;
  @Count('Keep every snapshot younger than N days') keepWithinDays?: number;
}

export class UpdateRetentionPolicyDto extends PartialType(CreateRetentionPolicyDto) {}

export class RetentionPolicyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() keepLast!: number;
  @ApiProperty() keepDaily!: number;
  @ApiProperty() keepWeekly!: number;
  @ApiProperty() keepMonthly!: number;
  @ApiProperty() keepYearly!: number;
  @ApiProperty() keepWithinDays!: number;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(policy: RetentionPolicy): RetentionPolicyDto {
    const { id, name, keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithinDays, createdAt, updatedAt } = policy;
    return { id, name, keepLast, keepDaily, keepWeekly, keepMonthly, keepYearly, keepWithinDays, createdAt, updatedAt };
  }
}
