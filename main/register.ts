/**
 * Side-effect imports that register domain start-up hooks (createContext runs them). One line per domain.
 */
import './dataset/startup';
import './engine/runtime/register';
import './engine/models/startup';
import './editing/patch-store';
export {};
