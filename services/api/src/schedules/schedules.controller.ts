import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { CreateScheduleDto, ScheduleDto, UpdateScheduleDto } from './schedule.dto.js';
import { SchedulesService } from './schedules.service.js';

@ApiTags('schedules')
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @Get()
  @ApiOkResponse({ type: [ScheduleDto] })
  async list(): Promise<ScheduleDto[]> {
    return (await this.schedules.list()).map(ScheduleDto.from);
  }

  @Post()
  @ApiCreatedResponse({ type: ScheduleDto })
  async create(@Req() request: AuthenticatedRequest, @Body() body: CreateScheduleDto): Promise<ScheduleDto> {
    return ScheduleDto.from(await this.schedules.create(`user:${request.user.id}`, body));
  }

  @Get(':id')
  @ApiOkResponse({ type: ScheduleDto })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ScheduleDto> {
    return ScheduleDto.from(await this.schedules.get(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ScheduleDto })
  async update(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateScheduleDto): Promise<ScheduleDto> {
    return ScheduleDto.from(await this.schedules.update(`user:${request.user.id}`, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.schedules.remove(`user:${request.user.id}`, id);
  }
}
