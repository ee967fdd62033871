import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedRequest } from '../auth/session.guard.js';
import { ClientDto, CreateClientDto, UpdateClientDto } from './client.dto.js';
import { ClientsService } from './clients.service.js';

@ApiTags('clients')
@Controller('clients')
export class ClientsController {
  constructor(private readonly clients: ClientsService) {}

  @Get()
  @ApiOkResponse({ type: [ClientDto] })
  async list(): Promise<ClientDto[]> {
    return (await this.clients.list()).map(ClientDto.from);
  }

  @Post()
  @ApiCreatedResponse({ type: ClientDto })
  async create(@Req() request: AuthenticatedRequest, @Body() body: CreateClientDto): Promise<ClientDto> {
    return ClientDto.from(await this.clients.create(`user:${request.user.id}`, body));
  }

  @Get(':id')
  @ApiOkResponse({ type: ClientDto })
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ClientDto> {
    return ClientDto.from(await this.clients.get(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ClientDto })
  async update(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateClientDto): Promise<ClientDto> {
    return ClientDto.from(await this.clients.update(`user:${request.user.id}`, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Req() request: AuthenticatedRequest, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.clients.remove(`user:${request.user.id}`, id);
  }
}
