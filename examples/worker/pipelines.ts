import type { AlgorithmConfigInput, PipelineConfigInput } from './generated/graphql';

/*
 * What this example worker can run. A real processing service lists its own models here; the
 * gateway finds pipelines by slug and algorithms by (key, version), so bump `version` when a
 * model changes and keep slugs and keys stable.
 */

const detector: AlgorithmConfigInput = {
  name: 'Example insect detector',
  key: 'example-insect-detector',
  version: 1,
  versionName: '2026-11',
  description: 'Finds insects in a camera-trap image and returns bounding boxes.',
  taskType: 'DETECTION',
};

const mothClassifier: AlgorithmConfigInput = {
  name: 'Example moth / non-moth classifier',
  key: 'example-moth-binary',
  version: 1,
  taskType: 'CLASSIFICATION',
  categoryMap: {
    labels: ['moth', 'nonmoth'],
    data: [
      { index: 0, label: 'moth' },
      { index: 1, label: 'nonmoth' },
    ],
    version: '1',
  },
};

const orderClassifier: AlgorithmConfigInput = {
  name: 'Example insect order classifier',
  key: 'example-order-classifier',
  version: 1,
  taskType: 'CLASSIFICATION',
  categoryMap: {
    labels: ['Lepidoptera', 'Diptera', 'Coleoptera', 'Hymenoptera'],
    data: [
      { index: 0, label: 'Lepidoptera', gbif_key: 797 },
      { index: 1, label: 'Diptera', gbif_key: 811 },
      { index: 2, label: 'Coleoptera', gbif_key: 1470 },
      { index: 3, label: 'Hymenoptera', gbif_key: 1457 },
    ],
    version: '1',
    description: 'Four insect orders, with their GBIF taxon keys.',
  },
};

export const examplePipelines: PipelineConfigInput[] = [
  {
    name: 'Example detector',
    slug: 'example-detector',
    version: 1,
    description: 'Detection only.',
    algorithms: [detector],
  },
  {
    name: 'Example moth / non-moth',
    slug: 'example-moth-binary',
    version: 1,
    description: 'Detects insects, then tells moths from everything else.',
    algorithms: [detector, mothClassifier],
  },
  {
    name: 'Example insect orders',
    slug: 'example-insect-orders',
    version: 1,
    description: 'Detects insects, then classifies each into one of four orders.',
    algorithms: [detector, orderClassifier],
    stages: [
      {
        key: 'classify',
        name: 'Classification',
        params: [{ key: 'min_score', name: 'Minimum score', category: 'threshold' }],
      },
    ],
  },
];
