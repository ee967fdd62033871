import { Module } from '@nestjs/common';
import { RestoresController } from './restores.controller.js';
import { RestoresService } from './restores.service.js';

/** Restore requests, their history, log and cancellation. */
@Module({ controllers: [RestoresController], providers: [RestoresService] })
export class RestoresModule {}
