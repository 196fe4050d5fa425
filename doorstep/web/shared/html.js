// One place that names the vendored UI modules: screens import from here, never from vendor/.
import { h, render } from '../vendor/preact-11.2.0/preact.mjs';
import {
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from '../vendor/preact-11.2.0/hooks.mjs';
import htm from '../vendor/htm-3.1.1/htm.mjs';

export const html = htm.bind(h);
export { h, render, useCallback, useEffect, useId, useMemo, useRef, useState };
